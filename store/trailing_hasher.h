// Hashes bytes of a file on a thread of its own, trailing the writes to it.
//
// An upload chunk's bytes are written to the upload file as they arrive; hashing them on the
// same thread would make one request cost the receive, the write and the SHA-256 in a row.
// A TrailingHasher reads back (pread, pieces of kPieceBytes) what the writer has reported
// written and feeds it to the running hash, so the hash of one piece runs while the next one
// is received. The bytes hashed are the bytes in the file, which are what a commit stores.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "common/error.h"
#include "common/sha256.h"

namespace stele::store {

class TrailingHasher {
 public:
  static constexpr std::size_t kPieceBytes = std::size_t{256} << 10;

  // Hashes `fd` (which must stay open) from byte `from` on, continuing `hasher`.
  TrailingHasher(int fd, std::int64_t from, Sha256 hasher);
  ~TrailingHasher();  // stops without waiting for the rest
  TrailingHasher(const TrailingHasher&) = delete;
  TrailingHasher& operator=(const TrailingHasher&) = delete;

  // Bytes up to `end` are in the file.
  void advance(std::int64_t end);
  // Waits until everything up to the last advance() is hashed and returns the hash;
  // Internal "io_failed" when the file could not be read back.
  Result<Sha256> finish();

 private:
  void run();

  int fd_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::int64_t written_;
  std::int64_t hashed_;
  bool finishing_ = false;
  bool stopping_ = false;
  bool failed_ = false;
  Sha256 hasher_;
  std::thread thread_;
};

}  // namespace stele::store
