// Events as the API serves them: appended to the store (bounded retention) and announced to
// waiting readers (the Server-Sent Events stream), who then read what is new from the store.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "common/clock.h"
#include "store/event_repository.h"

namespace stele::scheduler {

class EventLog {
 public:
  EventLog(store::Database& db, const Clock& clock, std::int64_t retain = 100'000)
      : repo_(db), clock_(clock), retain_(retain) {}

  // Stamps the time, stores, wakes readers. Failures to store are returned, never thrown.
  Result<std::int64_t> record(store::EventRecord event);
  // For writers that batch: stamps and appends inside the caller's transaction `tx`; once it
  // has committed, published(newest id, how many) wakes readers.
  Result<std::int64_t> appendIn(store::Database& tx, store::EventRecord event);
  void published(std::int64_t id, std::int64_t count = 1);
  Result<std::vector<store::EventRecord>> list(const store::EventQuery& query) {
    return repo_.list(query);
  }
  // Blocks until an event with id > afterId exists or the timeout passes; returns the newest id.
  std::int64_t waitAfter(std::int64_t afterId, std::chrono::milliseconds timeout);
  std::int64_t lastId();
  // Wakes every waiter and makes later waits return at once (server shutdown).
  void close();
  bool closed();

 private:
  store::EventRepository repo_;
  const Clock& clock_;
  std::int64_t retain_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::int64_t lastId_ = -1;  // -1: not read from the store yet
  std::int64_t sinceTrim_ = 0;
  bool closed_ = false;
};

}  // namespace stele::scheduler
