#include "store/upload_sweeper.h"

#include <algorithm>
#include <chrono>

namespace stele::store {

std::int64_t UploadSweeper::periodFor(std::int64_t idleTimeoutMs) {
  return std::clamp<std::int64_t>(idleTimeoutMs / 4, 100, 60'000);
}

void UploadSweeper::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void UploadSweeper::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void UploadSweeper::run() {
  std::unique_lock lock(mutex_);
  while (
      !wake_.wait_for(lock, std::chrono::milliseconds(periodMs_), [this] { return stopping_; })) {
    lock.unlock();
    (void)blobs_.sweepExpired();  // a failed sweep (database busy) is retried next period
    lock.lock();
  }
}

}  // namespace stele::store
