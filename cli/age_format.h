// Ages as `stele get` shows them, kubectl-style: "45s", "12m", "3h", "6d".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stele::cli {

// Seconds elapsed -> "45s" (under 2 minutes), "12m" (under 2 hours), "3h" (under 2 days), "6d".
// Negative ages (clock skew) show as "0s".
std::string formatAge(std::int64_t seconds);

// The server's timestamps ("2026-11-26T15:58:46.123Z", fraction optional) to Unix seconds.
std::optional<std::int64_t> parseServerTime(std::string_view text);

}  // namespace stele::cli
