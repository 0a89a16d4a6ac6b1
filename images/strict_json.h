// JSON parsing that refuses what lenient parsers let through: invalid UTF-8, duplicate keys,
// nesting deeper than a limit, trailing bytes. Documents that are signed must mean one thing.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string_view>

#include "common/error.h"

namespace stele::images {

Result<nlohmann::json> parseStrictJson(std::string_view text, std::string_view what,
                                       int maxDepth = 16);

}  // namespace stele::images
