// The writes of one reconcile pass that need not be durable before the next side effect: the
// outcome of the step just done, state changes that have no side effect, events. They are held
// and committed in the same transaction as the next intent (which must be durable before its
// side effect) or at the end of the pass, so a pass of N steps costs about N commits instead of
// four or five per step. A crash loses only held outcomes, which is the same as a crash just
// after the side effect: the operation row is still open and recover() plus the next pass
// finish or roll back the step.
#pragma once

#include <functional>
#include <vector>

#include "scheduler/event_log.h"
#include "store/database.h"

namespace stele::scheduler {

using StoreWrite = std::function<Result<void>(store::Database& tx)>;

class PassWrites {
 public:
  PassWrites(store::Database& db, EventLog& log) : db_(db), log_(log) {}

  void later(StoreWrite write) { writes_.push_back(std::move(write)); }
  void event(store::EventRecord event) { pendingEvents_.push_back(std::move(event)); }
  bool empty() const { return writes_.empty() && pendingEvents_.empty(); }

  // Commits everything held, then `now`, in one transaction. A held write that fails is
  // logged and skipped. When `now` fails, what was held is committed without it and the
  // error returned; when the store itself fails, what was held is lost, as in a crash just
  // before this commit.
  Result<void> commit(const StoreWrite& now = nullptr);

 private:
  store::Database& db_;
  EventLog& log_;
  std::vector<StoreWrite> writes_;
  std::vector<store::EventRecord> pendingEvents_;
};

}  // namespace stele::scheduler
