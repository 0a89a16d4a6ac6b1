// Removes expired uploads in the background: BlobStore::sweepExpired every period. Which
// uploads have expired is decided by the store's injected Clock; only the wait between sweeps
// is real time. The first sweep happens at BlobStore::open, before the server listens.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "store/blob_store.h"

namespace stele::store {

class UploadSweeper {
 public:
  UploadSweeper(BlobStore& blobs, std::int64_t periodMs) : blobs_(blobs), periodMs_(periodMs) {}
  ~UploadSweeper() { stop(); }
  UploadSweeper(const UploadSweeper&) = delete;
  UploadSweeper& operator=(const UploadSweeper&) = delete;

  void start();
  void stop();

  // A quarter of the idle timeout, between 100 ms and one minute: an upload outlives its
  // expiry by at most that much.
  static std::int64_t periodFor(std::int64_t idleTimeoutMs);

 private:
  void run();

  BlobStore& blobs_;
  std::int64_t periodMs_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace stele::store
