#include "common/time_format.h"

#include <chrono>
#include <cstdio>

namespace stele {

std::string formatRfc3339(std::int64_t unixSeconds) {
  using namespace std::chrono;
  sys_seconds t{seconds{unixSeconds}};
  auto day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss hms{t - day};
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02ld:%02ld:%02ldZ", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), long(hms.hours().count()),
                long(hms.minutes().count()), long(hms.seconds().count()));
  return buffer;
}

std::optional<std::int64_t> parseRfc3339(std::string_view text) {
  auto digits = [&](std::size_t at, std::size_t count) -> std::optional<int> {
    if (at + count > text.size()) return std::nullopt;
    int value = 0;
    for (std::size_t i = at; i < at + count; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  auto year = digits(0, 4), month = digits(5, 2), dayOfMonth = digits(8, 2);
  if (!year || !month || !dayOfMonth || text[4] != '-' || text[7] != '-') return std::nullopt;
  int hour = 0, minute = 0, second = 0;
  if (text.size() != 10) {
    auto h = digits(11, 2), m = digits(14, 2), s = digits(17, 2);
    if (text.size() != 20 || (text[10] != 'T' && text[10] != 't') || text[13] != ':' ||
        text[16] != ':' || (text[19] != 'Z' && text[19] != 'z') || !h || !m || !s) {
      return std::nullopt;
    }
    hour = *h;
    minute = *m;
    second = *s;
    if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  }
  using namespace std::chrono;
  year_month_day ymd{std::chrono::year{*year}, std::chrono::month{unsigned(*month)},
                     std::chrono::day{unsigned(*dayOfMonth)}};
  if (!ymd.ok()) return std::nullopt;
  return sys_days{ymd}.time_since_epoch().count() * 86400LL + hour * 3600LL + minute * 60LL +
         second;
}

}  // namespace stele
