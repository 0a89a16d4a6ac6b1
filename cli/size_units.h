// Sizes with units: "512", "64KiB", "64MiB", "1GiB" (also KB/MB/GB as powers of 1000).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"

namespace stele::cli {

Result<std::int64_t> parseSize(std::string_view text);
std::string formatSize(std::int64_t bytes);

}  // namespace stele::cli
