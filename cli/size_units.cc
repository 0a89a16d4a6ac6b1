#include "cli/size_units.h"

#include <charconv>
#include <cstdio>

namespace stele::cli {

Result<std::int64_t> parseSize(std::string_view text) {
  std::int64_t number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  struct Unit {
    std::string_view name;
    std::int64_t factor;
  };
  constexpr Unit kUnits[] = {
      {"", 1},      {"B", 1},        {"KiB", 1ll << 10}, {"MiB", 1ll << 20}, {"GiB", 1ll << 30},
      {"KB", 1000}, {"MB", 1000000}, {"GB", 1000000000}};
  if (ec == std::errc() && number > 0) {
    for (const auto& u : kUnits) {
      if (unit == u.name && number <= (std::int64_t{1} << 50) / u.factor) return number * u.factor;
    }
  }
  return fail(ErrorKind::InvalidArgument, "usage",
              "size \"" + std::string(text) + "\" must be a positive number with KiB, MiB or GiB");
}

std::string formatSize(std::int64_t bytes) {
  char buffer[32];
  if (bytes >= (1ll << 20)) {
    std::snprintf(buffer, sizeof buffer, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  } else if (bytes >= 1024) {
    std::snprintf(buffer, sizeof buffer, "%.1f KiB", static_cast<double>(bytes) / 1024);
  } else {
    std::snprintf(buffer, sizeof buffer, "%lld B", static_cast<long long>(bytes));
  }
  return buffer;
}

}  // namespace stele::cli
