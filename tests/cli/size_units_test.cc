#include "cli/size_units.h"

#include <gtest/gtest.h>

namespace stele::cli {
namespace {

TEST(SizeUnits, ParsesBinaryAndDecimalUnits) {
  EXPECT_EQ(parseSize("512"), 512);
  EXPECT_EQ(parseSize("64KiB"), 64 * 1024);
  EXPECT_EQ(parseSize("64MiB"), 64ll << 20);
  EXPECT_EQ(parseSize("2GiB"), 2ll << 30);
  EXPECT_EQ(parseSize("5MB"), 5000000);
}

TEST(SizeUnits, RejectsZeroNegativeUnknownUnitsAndOverflow) {
  for (const char* bad : {"0", "-1", "10XB", "MiB", "", "1.5MiB", "99999999999GiB"}) {
    EXPECT_FALSE(parseSize(bad).has_value()) << bad;
  }
}

TEST(SizeUnits, FormatsForHumans) {
  EXPECT_EQ(formatSize(512), "512 B");
  EXPECT_EQ(formatSize(2048), "2.0 KiB");
  EXPECT_EQ(formatSize(3 << 20), "3.0 MiB");
}

}  // namespace
}  // namespace stele::cli
