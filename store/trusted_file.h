// Opening the files the server wrote itself without trusting whatever is at their path now.
//
// A blob or upload file is trusted only when it is what the server made: a regular file with
// exactly one link, owned by the server's uid, reached without following a symbolic link.
// A symlink (even to identical bytes), a hard link (another name could change it), a file
// chowned to someone else, a directory or a FIFO in its place is refused by name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/error.h"
#include "store/file_io.h"

namespace stele::store {

// What fstat says about an opened file, as plain data.
struct FileFacts {
  enum class Type { Regular, Directory, Fifo, Socket, CharDevice, BlockDevice, Symlink, Other };
  Type type = Type::Regular;
  std::uint64_t links = 1;
  std::uint32_t uid = 0;
  std::uint32_t mode = 0600;  // permission bits
  std::int64_t size = 0;
};

// Why a file with these facts is not one the server wrote (e.g. "has 2 links"), or nullopt.
std::optional<std::string> untrustedReason(const FileFacts& facts, std::uint32_t serverUid);
// Why the server must not keep its data in a directory with these facts (e.g. "others can
// write it"), or nullopt.
std::optional<std::string> unsafeDirectoryReason(const FileFacts& facts, std::uint32_t serverUid);

struct TrustedFile {
  Fd fd;
  std::int64_t size = 0;
};

// Writing: read and write at explicit offsets (O_RDWR, never O_APPEND).
enum class OpenFor { Reading, Writing };

// Opens ROOT/RELATIVE with no symbolic link followed in any component of RELATIVE (ROOT is the
// configured data directory and is followed) and checks it against untrustedReason with this
// process's effective uid. NotFound "file_missing" when it is absent; Unprocessable
// "file_untrusted" with the reason (naming RELATIVE) otherwise.
Result<TrustedFile> openTrustedFile(const std::string& root, const std::string& relative,
                                    OpenFor purpose = OpenFor::Reading);

// Refuses PATH when unsafeDirectoryReason finds a reason: Unavailable "data_dir_unsafe" naming
// PATH, the reason and the fix. Creates it 0700 (and any missing parents) when absent.
// Follow: PATH itself may be a symbolic link (the configured data directory); Refuse: a link
// at PATH is refused (the directories inside it).
enum class LinkPolicy { Follow, Refuse };
Result<void> ensurePrivateDirectory(const std::string& path, LinkPolicy links);

}  // namespace stele::store
