#include "store/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace stele::store {
namespace {

std::unexpected<Error> ioError(std::string_view what, const std::string& path) {
  int err = errno;
  ErrorKind kind = (err == ENOSPC || err == EDQUOT) ? ErrorKind::Unavailable : ErrorKind::Internal;
  return fail(kind, "io_failed", std::string(what) + " " + path + ": " + std::strerror(err));
}

}  // namespace

void Fd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Result<void> writeAll(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ioError("write", path);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Result<void> makeDirectories(const std::string& path, unsigned mode) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return fail(ErrorKind::Internal, "io_failed", "create " + path + ": " + ec.message());
  ::chmod(path.c_str(), mode);
  return {};
}

Result<std::optional<std::int64_t>> fileSize(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::optional<std::int64_t>{};
    return ioError("stat", path);
  }
  return std::optional<std::int64_t>(st.st_size);
}

Result<void> fsyncPath(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ioError("open", path);
  if (::fsync(fd.get()) != 0) return ioError("fsync", path);
  return {};
}

Result<std::int64_t> hashFile(const std::string& path, Sha256& hasher, std::int64_t limit) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ioError("open", path);
  return hashFd(fd.get(), hasher, path, limit);
}

Result<std::int64_t> hashFd(int fd, Sha256& hasher, const std::string& path, std::int64_t limit) {
  std::vector<char> buffer(1 << 20);
  std::int64_t total = 0;
  for (;;) {
    std::size_t want = buffer.size();
    if (limit >= 0)
      want = static_cast<std::size_t>(
          std::min<std::int64_t>(static_cast<std::int64_t>(want), limit - total));
    if (want == 0) break;
    ssize_t n = ::read(fd, buffer.data(), want);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ioError("read", path);
    }
    if (n == 0) break;
    hasher.update(buffer.data(), static_cast<std::size_t>(n));
    total += n;
  }
  return total;
}

Result<void> writeFileAtomically(const std::string& path, std::string_view bytes, unsigned mode) {
  std::string tmp = path + ".tmp";
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
    if (fd.get() < 0) return ioError("create", tmp);
    if (auto r = writeAll(fd.get(), bytes, tmp); !r) return r;
    if (::fsync(fd.get()) != 0) return ioError("fsync", tmp);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) return ioError("rename", tmp);
  std::string dir = std::filesystem::path(path).parent_path().string();
  return fsyncPath(dir.empty() ? "." : dir);
}

Result<std::string> readFile(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ioError("open", path);
  std::string out;
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ioError("read", path);
    }
    if (n == 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

}  // namespace stele::store
