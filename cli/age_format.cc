#include "cli/age_format.h"

#include "common/time_format.h"

namespace stele::cli {

std::string formatAge(std::int64_t seconds) {
  if (seconds < 0) seconds = 0;
  if (seconds < 120) return std::to_string(seconds) + "s";
  if (seconds < std::int64_t{2} * 3600) return std::to_string(seconds / 60) + "m";
  if (seconds < std::int64_t{2} * 86400) return std::to_string(seconds / 3600) + "h";
  return std::to_string(seconds / 86400) + "d";
}

std::optional<std::int64_t> parseServerTime(std::string_view text) {
  auto dot = text.find('.');
  if (dot == std::string_view::npos) return parseRfc3339(text);
  auto end = dot + 1;
  while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
  if (end == dot + 1) return std::nullopt;
  std::string whole(text.substr(0, dot));
  whole += text.substr(end);
  return parseRfc3339(whole);
}

}  // namespace stele::cli
