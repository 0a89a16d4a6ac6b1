// RFC 3339 timestamps (UTC, "2026-11-26T15:58:46Z") to and from Unix seconds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stele {

std::string formatRfc3339(std::int64_t unixSeconds);
// Accepts "YYYY-MM-DDTHH:MM:SSZ" (also lowercase t/z) and "YYYY-MM-DD" (midnight UTC).
std::optional<std::int64_t> parseRfc3339(std::string_view text);

}  // namespace stele
