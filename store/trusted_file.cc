#include "store/trusted_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace stele::store {
namespace {

std::string typeName(FileFacts::Type type) {
  switch (type) {
    case FileFacts::Type::Regular:
      return "a regular file";
    case FileFacts::Type::Directory:
      return "a directory";
    case FileFacts::Type::Fifo:
      return "a FIFO";
    case FileFacts::Type::Socket:
      return "a socket";
    case FileFacts::Type::CharDevice:
      return "a character device";
    case FileFacts::Type::BlockDevice:
      return "a block device";
    case FileFacts::Type::Symlink:
      return "a symbolic link";
    case FileFacts::Type::Other:
      break;
  }
  return "not a regular file";
}

FileFacts factsOf(const struct stat& st) {
  FileFacts facts;
  if (S_ISREG(st.st_mode)) {
    facts.type = FileFacts::Type::Regular;
  } else if (S_ISDIR(st.st_mode)) {
    facts.type = FileFacts::Type::Directory;
  } else if (S_ISFIFO(st.st_mode)) {
    facts.type = FileFacts::Type::Fifo;
  } else if (S_ISSOCK(st.st_mode)) {
    facts.type = FileFacts::Type::Socket;
  } else if (S_ISCHR(st.st_mode)) {
    facts.type = FileFacts::Type::CharDevice;
  } else if (S_ISLNK(st.st_mode)) {
    facts.type = FileFacts::Type::Symlink;
  } else if (S_ISBLK(st.st_mode)) {
    facts.type = FileFacts::Type::BlockDevice;
  } else {
    facts.type = FileFacts::Type::Other;
  }
  facts.links = st.st_nlink;
  facts.uid = st.st_uid;
  facts.mode = st.st_mode & 07777;
  facts.size = st.st_size;
  return facts;
}

std::vector<std::string> components(const std::string& relative) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= relative.size()) {
    std::size_t slash = relative.find('/', start);
    if (slash == std::string::npos) slash = relative.size();
    if (slash > start) out.push_back(relative.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

std::unexpected<Error> untrusted(const std::string& relative, const std::string& reason) {
  return fail(ErrorKind::Unprocessable, "file_untrusted", relative + " " + reason);
}

std::unexpected<Error> missing(const std::string& relative) {
  return fail(ErrorKind::NotFound, "file_missing", relative + " does not exist");
}

std::unexpected<Error> openFailed(const std::string& relative) {
  return fail(ErrorKind::Internal, "io_failed", "open " + relative + ": " + std::strerror(errno));
}

}  // namespace

std::optional<std::string> untrustedReason(const FileFacts& facts, std::uint32_t serverUid) {
  if (facts.type != FileFacts::Type::Regular) return "is " + typeName(facts.type);
  if (facts.links != 1) return "has " + std::to_string(facts.links) + " links, not 1";
  if (facts.uid != serverUid) {
    return "is owned by uid " + std::to_string(facts.uid) + ", not the server's uid " +
           std::to_string(serverUid);
  }
  return std::nullopt;
}

std::optional<std::string> unsafeDirectoryReason(const FileFacts& facts, std::uint32_t serverUid) {
  if (facts.type != FileFacts::Type::Directory) return "is " + typeName(facts.type);
  if (facts.uid != serverUid) {
    return "is owned by uid " + std::to_string(facts.uid) + ", not the server's uid " +
           std::to_string(serverUid);
  }
  if ((facts.mode & S_IWOTH) != 0) return "can be written by others";
  if ((facts.mode & S_IWGRP) != 0) return "can be written by its group";
  return std::nullopt;
}

Result<TrustedFile> openTrustedFile(const std::string& root, const std::string& relative,
                                    OpenFor purpose) {
  std::vector<std::string> parts = components(relative);
  if (parts.empty()) return missing(relative);
  Fd dir(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) return openFailed(root);
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    Fd next(::openat(dir.get(), parts[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (next.get() < 0) {
      if (errno == ENOENT) return missing(relative);
      if (errno == ELOOP || errno == ENOTDIR)
        return untrusted(relative, "lies below " + parts[i] + ", which is not a plain directory");
      return openFailed(relative);
    }
    dir = std::move(next);
  }
  // O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOFOLLOW: a symlink fails (ELOOP).
  int flags = O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
  flags |= purpose == OpenFor::Writing ? O_RDWR : O_RDONLY;
  Fd fd(::openat(dir.get(), parts.back().c_str(), flags));
  if (fd.get() < 0) {
    if (errno == ENOENT) return missing(relative);
    if (errno == ELOOP) return untrusted(relative, "is a symbolic link");
    if (errno == EISDIR) return untrusted(relative, "is a directory");
    if (errno == ENXIO) return untrusted(relative, "is a FIFO or socket");
    return openFailed(relative);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return openFailed(relative);
  FileFacts facts = factsOf(st);
  if (auto reason = untrustedReason(facts, static_cast<std::uint32_t>(::geteuid())))
    return untrusted(relative, *reason);
  ::fcntl(fd.get(), F_SETFL, 0);  // blocking again
  return TrustedFile{std::move(fd), facts.size};
}

Result<void> ensurePrivateDirectory(const std::string& path, LinkPolicy links) {
  struct stat st {};
  int found = links == LinkPolicy::Follow ? ::stat(path.c_str(), &st) : ::lstat(path.c_str(), &st);
  if (found != 0) {
    if (errno != ENOENT) {
      return fail(ErrorKind::Unavailable, "data_dir_unsafe",
                  "cannot inspect " + path + ": " + std::strerror(errno));
    }
    return makeDirectories(path, 0700);
  }
  if (auto reason = unsafeDirectoryReason(factsOf(st), static_cast<std::uint32_t>(::geteuid()))) {
    return fail(ErrorKind::Unavailable, "data_dir_unsafe",
                path + " " + *reason +
                    "; the server keeps blobs, tokens and its database there and refuses to use "
                    "it (make it a directory owned by this user: chmod 0700 " +
                    path + ")");
  }
  return {};
}

}  // namespace stele::store
