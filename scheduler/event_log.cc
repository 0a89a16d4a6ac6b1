#include "scheduler/event_log.h"

namespace stele::scheduler {

Result<std::int64_t> EventLog::record(store::EventRecord event) {
  event.atMs = clock_.nowMs();
  auto id = repo_.append(event);
  if (id) published(*id);
  return id;
}

Result<std::int64_t> EventLog::appendIn(store::Database& tx, store::EventRecord event) {
  event.atMs = clock_.nowMs();
  return store::EventRepository(tx).append(event);
}

void EventLog::published(std::int64_t id, std::int64_t count) {
  {
    std::lock_guard lock(mutex_);
    lastId_ = std::max(lastId_, id);
    sinceTrim_ += count;
    if (sinceTrim_ >= 1000) {
      sinceTrim_ = 0;
      (void)repo_.trim(retain_);
    }
  }
  changed_.notify_all();
}

std::int64_t EventLog::lastId() {
  std::lock_guard lock(mutex_);
  if (lastId_ < 0) lastId_ = repo_.newestId().value_or(0);
  return lastId_;
}

std::int64_t EventLog::waitAfter(std::int64_t afterId, std::chrono::milliseconds timeout) {
  (void)lastId();
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return lastId_ > afterId || closed_; });
  return lastId_;
}

void EventLog::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  changed_.notify_all();
}

bool EventLog::closed() {
  std::lock_guard lock(mutex_);
  return closed_;
}

}  // namespace stele::scheduler
