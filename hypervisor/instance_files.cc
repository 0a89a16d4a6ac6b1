#include "hypervisor/instance_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

#include "common/sha256.h"

namespace stele::hypervisor {

namespace fs = std::filesystem;

namespace {

std::unexpected<Error> fileError(const std::string& what, const std::string& path,
                                 const std::error_code& ec) {
  return fail(ErrorKind::Internal, "instance_file_failed", what + " " + path + ": " + ec.message());
}

std::error_code lastError() { return {errno, std::generic_category()}; }

// Copies `from`, which must be a regular file reached without following a symbolic link at
// its name (the caller verified the file there, and a link swapped in since is refused). With
// `digest`, the bytes are hashed as they are copied and a copy that differs is refused: the
// deploy gate checks the blob's file, this proves its bytes, in the one read a deploy makes.
Result<void> copyReadable(const std::string& from, const std::string& to,
                          const std::optional<std::string>& digest) {
  int in = ::open(from.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  struct stat st {};
  if (in < 0 || ::fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) {
    if (in >= 0) ::close(in);
    return fail(ErrorKind::NotFound, "instance_source_missing",
                "not a regular file (or a symbolic link): " + from);
  }
  int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) {
    auto ec = lastError();
    ::close(in);
    return fileError("create", to, ec);
  }
  std::error_code ec;
  Sha256 hasher;
  char buffer[1 << 16];
  for (;;) {
    ssize_t n = ::read(in, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ec = lastError();
      break;
    }
    if (n == 0) break;
    if (digest) hasher.update(buffer, static_cast<std::size_t>(n));
    for (ssize_t done = 0; done < n && !ec;) {
      ssize_t w = ::write(out, buffer + done, static_cast<std::size_t>(n - done));
      if (w < 0 && errno != EINTR) ec = lastError();
      if (w > 0) done += w;
    }
    if (ec) break;
  }
  ::close(in);
  if (::close(out) != 0 && !ec) ec = lastError();
  if (ec) return fileError("copy to", to, ec);
  if (digest) {
    std::string actual = digestString(hasher.finish());
    if (actual != *digest) {
      return fail(ErrorKind::Unprocessable, "blob_corrupt",
                  "blob " + *digest + " now hashes to " + actual + " (read while copied)");
    }
  }
  fs::permissions(to,
                  fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                      fs::perms::others_read,
                  ec);
  if (ec) return fileError("chmod", to, ec);
  return {};
}

Result<void> writeFile(const std::string& path, const std::string& bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fileError("create", path, std::error_code(errno, std::generic_category()));
  std::size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      auto ec = std::error_code(errno, std::generic_category());
      ::close(fd);
      return fileError("write", path, ec);
    }
    written += static_cast<std::size_t>(n);
  }
  ::fchmod(fd, 0644);
  if (::close(fd) != 0)
    return fileError("close", path, std::error_code(errno, std::generic_category()));
  return {};
}

Result<void> populate(const DomainSpec& spec, const InstancePaths& paths) {
  std::error_code ec;
  fs::remove_all(paths.directory, ec);
  if (ec) return fileError("remove stale", paths.directory, ec);
  fs::create_directories(paths.directory, ec);
  if (ec) return fileError("create", paths.directory, ec);
  fs::permissions(paths.directory,
                  fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                      fs::perms::others_read | fs::perms::others_exec,
                  ec);
  if (ec) return fileError("chmod", paths.directory, ec);
  if (auto ok = copyReadable(spec.kernelPath, paths.kernel, spec.kernelDigest); !ok) return ok;
  if (spec.initrdPath && paths.initrd) {
    if (auto ok = copyReadable(*spec.initrdPath, *paths.initrd, spec.initrdDigest); !ok) return ok;
  }
  if (spec.config && paths.config) {
    if (auto ok = writeFile(*paths.config, *spec.config); !ok) return ok;
  }
  return writeFile(paths.consoleLog, "");
}

}  // namespace

Result<void> prepareInstanceFiles(const DomainSpec& spec, const InstancePaths& paths) {
  auto result = populate(spec, paths);
  if (!result) (void)removeInstanceFiles(paths);
  return result;
}

Result<void> removeInstanceFiles(const InstancePaths& paths) {
  std::error_code ec;
  fs::remove_all(paths.directory, ec);
  if (ec) return fileError("remove", paths.directory, ec);
  return {};
}

Result<std::string> readFileTail(const std::string& path, std::size_t maxBytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::string();
    return fileError("open", path, std::error_code(errno, std::generic_category()));
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    auto ec = std::error_code(errno, std::generic_category());
    ::close(fd);
    return fileError("stat", path, ec);
  }
  const auto size = static_cast<std::size_t>(info.st_size);
  const std::size_t start = size > maxBytes ? size - maxBytes : 0;
  std::string out(size - start, '\0');
  std::size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::pread(fd, out.data() + got, out.size() - got, static_cast<off_t>(start + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  out.resize(got);
  return out;
}

}  // namespace stele::hypervisor
