// Small POSIX file helpers with error values: durable writes, directory fsync, hashing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/sha256.h"

namespace stele::store {

// An open file descriptor, closed when it goes away.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = other.fd_;
      other.fd_ = -1;
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  void reset();
  int fd_;
};

Result<void> makeDirectories(const std::string& path, unsigned mode = 0755);
// Size in bytes, or nullopt when the file does not exist.
Result<std::optional<std::int64_t>> fileSize(const std::string& path);
// Writes all of `bytes` to `fd`; `name` is for the error message.
Result<void> writeAll(int fd, std::string_view bytes, const std::string& name);
Result<void> fsyncPath(const std::string& path);
// Feeds the first `limit` bytes (all when negative) of the file to `hasher`; returns the count.
Result<std::int64_t> hashFile(const std::string& path, Sha256& hasher, std::int64_t limit = -1);
// The same over an open file, from its current position; `name` is for the error message.
Result<std::int64_t> hashFd(int fd, Sha256& hasher, const std::string& name,
                            std::int64_t limit = -1);
// Writes `bytes` to a temporary file beside `path`, fsyncs, renames over `path`, fsyncs the
// directory: readers see the old content or the new, never a mix.
Result<void> writeFileAtomically(const std::string& path, std::string_view bytes,
                                 unsigned mode = 0644);
Result<std::string> readFile(const std::string& path);

}  // namespace stele::store
