#include "store/trailing_hasher.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

namespace stele::store {

TrailingHasher::TrailingHasher(int fd, std::int64_t from, Sha256 hasher)
    : fd_(fd), written_(from), hashed_(from), hasher_(std::move(hasher)) {
  thread_ = std::thread([this] { run(); });
}

TrailingHasher::~TrailingHasher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void TrailingHasher::advance(std::int64_t end) {
  {
    std::lock_guard lock(mutex_);
    written_ = std::max(written_, end);
  }
  wake_.notify_one();
}

Result<Sha256> TrailingHasher::finish() {
  if (!thread_.joinable()) return fail(ErrorKind::Internal, "io_failed", "the hash is finished");
  {
    std::lock_guard lock(mutex_);
    finishing_ = true;
  }
  wake_.notify_one();
  thread_.join();
  if (failed_) return fail(ErrorKind::Internal, "io_failed", "cannot read the upload file back");
  return std::move(hasher_);
}

void TrailingHasher::run() {
  std::vector<char> piece(kPieceBytes);
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || finishing_ || written_ > hashed_; });
    if (stopping_) return;
    if (written_ == hashed_) return;  // finishing, and everything is hashed
    std::int64_t at = hashed_;
    auto want = static_cast<std::size_t>(
        std::min<std::int64_t>(written_ - at, static_cast<std::int64_t>(piece.size())));
    lock.unlock();
    ssize_t n = ::pread(fd_, piece.data(), want, static_cast<off_t>(at));
    if (n > 0) hasher_.update(piece.data(), static_cast<std::size_t>(n));
    lock.lock();
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      failed_ = true;
      return;
    }
    hashed_ += n;
  }
}

}  // namespace stele::store
