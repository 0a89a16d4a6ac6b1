#include "scheduler/pass_writes.h"

#include <cstdio>

namespace stele::scheduler {

Result<void> PassWrites::commit(const StoreWrite& now) {
  std::vector<StoreWrite> writes = std::move(writes_);
  std::vector<store::EventRecord> events = std::move(pendingEvents_);
  writes_.clear();
  pendingEvents_.clear();
  if (writes.empty() && events.empty() && !now) return {};
  std::int64_t lastEvent = -1;
  auto attempt = [&](const StoreWrite& last) {
    lastEvent = -1;
    return db_.transaction([&](store::Database& tx) -> Result<void> {
      for (const auto& write : writes) {
        // One held write that fails (its instance already gone, say) must not take the others
        // or the intent with it; each is a short sequence of idempotent statements.
        if (auto r = write(tx); !r) {
          std::fprintf(stderr, "stele: a reconciler write was not stored: %s\n",
                       r.error().message.c_str());
        }
      }
      for (const auto& e : events) {
        auto id = log_.appendIn(tx, e);
        if (!id) return fail(id.error());
        lastEvent = *id;
      }
      return last ? last(tx) : Result<void>{};
    });
  };
  auto committed = attempt(now);
  bool held = committed.has_value();
  if (!committed && now) held = attempt(nullptr).has_value();  // keep what was held
  if (held && lastEvent >= 0) {
    log_.published(lastEvent, static_cast<std::int64_t>(events.size()));
  }
  return committed;
}

}  // namespace stele::scheduler
