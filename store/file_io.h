// Small POSIX file helpers with error values: durable writes, directory fsync, hashing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/sha256.h"

namespace stele::store {

Result<void> makeDirectories(const std::string& path, unsigned mode = 0755);
// Size in bytes, or nullopt when the file does not exist.
Result<std::optional<std::int64_t>> fileSize(const std::string& path);
Result<void> appendToFile(const std::string& path, std::string_view bytes);
Result<void> fsyncPath(const std::string& path);
// Feeds the first `limit` bytes (all when negative) of the file to `hasher`; returns the count.
Result<std::int64_t> hashFile(const std::string& path, Sha256& hasher, std::int64_t limit = -1);
// Writes `bytes` to a temporary file beside `path`, fsyncs, renames over `path`, fsyncs the
// directory: readers see the old content or the new, never a mix.
Result<void> writeFileAtomically(const std::string& path, std::string_view bytes,
                                 unsigned mode = 0644);
Result<std::string> readFile(const std::string& path);

}  // namespace stele::store
