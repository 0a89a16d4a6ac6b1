#include "cli/age_format.h"

#include <gtest/gtest.h>

namespace stele::cli {
namespace {

TEST(AgeFormat, ShowsSecondsThenMinutesHoursAndDaysLikeKubectl) {
  EXPECT_EQ(formatAge(-5), "0s");
  EXPECT_EQ(formatAge(0), "0s");
  EXPECT_EQ(formatAge(119), "119s");
  EXPECT_EQ(formatAge(120), "2m");
  EXPECT_EQ(formatAge(std::int64_t{2} * 3600 - 1), "119m");
  EXPECT_EQ(formatAge(std::int64_t{2} * 3600), "2h");
  EXPECT_EQ(formatAge(std::int64_t{2} * 86400), "2d");
}

TEST(AgeFormat, ReadsServerTimesWithOrWithoutMilliseconds) {
  EXPECT_EQ(parseServerTime("1970-01-01T00:01:00.250Z"), 60);
  EXPECT_EQ(parseServerTime("1970-01-01T00:01:00Z"), 60);
  EXPECT_EQ(parseServerTime("1970-01-01T00:01:00.Z"), std::nullopt);
  EXPECT_EQ(parseServerTime("yesterday"), std::nullopt);
}

}  // namespace
}  // namespace stele::cli
