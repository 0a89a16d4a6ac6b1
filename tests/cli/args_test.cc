#include "cli/args.h"

#include <gtest/gtest.h>

namespace stele::cli {
namespace {

TEST(Args, ReadsPositionalsValuesRepeatsAndSwitches) {
  auto args = Args::parse({"push", "web:1.0.0", "--kernel", "k", "--annotation=a=1", "--annotation",
                           "b=2", "--verbose"},
                          {"kernel", "annotation"}, {"verbose"});
  ASSERT_TRUE(args.has_value());
  EXPECT_EQ(args->positionals(), (std::vector<std::string>{"push", "web:1.0.0"}));
  EXPECT_EQ(args->value("kernel"), "k");
  EXPECT_EQ(args->values("annotation"), (std::vector<std::string>{"a=1", "b=2"}));
  EXPECT_TRUE(args->has("verbose"));
  EXPECT_FALSE(args->value("initrd").has_value());
}

TEST(Args, UnknownFlagsAndMissingValuesAreUsageErrorsNamingTheFlag) {
  auto unknown = Args::parse({"--kernal", "k"}, {"kernel"});
  ASSERT_FALSE(unknown.has_value());
  EXPECT_NE(unknown.error().message.find("--kernal"), std::string::npos);
  auto missing = Args::parse({"--kernel"}, {"kernel"});
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("--kernel needs a value"), std::string::npos);
}

TEST(Args, SingleDashFlagsWorkForShortOptions) {
  auto args = Args::parse({"images", "-o", "json"}, {"o"});
  ASSERT_TRUE(args.has_value());
  EXPECT_EQ(args->value("o"), "json");
}

}  // namespace
}  // namespace stele::cli
