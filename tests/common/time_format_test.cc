#include "common/time_format.h"

#include <gtest/gtest.h>

namespace stele {
namespace {

TEST(Rfc3339, FormatsAndParsesUtcSeconds) {
  EXPECT_EQ(formatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(formatRfc3339(1795651200), "2026-11-26T00:00:00Z");
  EXPECT_EQ(parseRfc3339("2026-11-26T00:00:00Z"), 1795651200);
  EXPECT_EQ(parseRfc3339("2026-11-26"), 1795651200);
  EXPECT_EQ(parseRfc3339(formatRfc3339(1234567890)), 1234567890);
}

TEST(Rfc3339, RejectsMalformedOrImpossibleTimes) {
  for (const char* bad :
       {"", "2026-11-26T00:00:00", "2026-13-01", "2026-02-30", "2026-11-26T24:00:00Z", "26-11-26",
        "2026-11-26T00:00:00+01:00", "2026/11/26"}) {
    EXPECT_FALSE(parseRfc3339(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace stele
