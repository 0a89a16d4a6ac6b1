#include "images/naming.h"

#include <gtest/gtest.h>

namespace stele::images {
namespace {

TEST(ImageName, AcceptsLowercaseWordsWithSingleSeparators) {
  for (const char* good : {"web", "dns-server", "fw.v2", "a", "router_1", "a1-b2.c3_d4"}) {
    EXPECT_TRUE(validateImageName(good).has_value()) << good;
  }
}

TEST(ImageName, RejectsPathsEmptyLongNonAsciiAndSeparatorRuns) {
  std::string longName(200, 'a');
  for (const std::string& bad :
       {std::string("../x"), std::string("/x"), std::string("a//b"), std::string(""), longName,
        std::string("caf\xc3\xa9"), std::string("Web"), std::string("a..b"), std::string("-a"),
        std::string("a-"), std::string("a b"), std::string("a/b"), std::string(65, 'a')}) {
    auto r = validateImageName(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, "name_invalid");
  }
}

TEST(Version, AcceptsSemver) {
  for (const char* good : {"0.0.0", "1.2.3", "10.20.30", "1.0.0-rc.1", "1.0.0-alpha-1",
                           "1.0.0+build.7", "1.0.0-beta+exp.sha.5114f85"}) {
    EXPECT_TRUE(validateVersion(good).has_value()) << good;
  }
}

TEST(Version, RejectsNonSemver) {
  for (const char* bad : {"", "1", "1.2", "1.2.3.4", "01.2.3", "1.2.3-", "1.2.3-01", "v1.2.3",
                          "1.2.3+", "1.2.3-a..b", "latest", "1.2.3/../x"}) {
    EXPECT_FALSE(validateVersion(bad).has_value()) << bad;
  }
}

TEST(NamePattern, GlobMatchesStarAndQuestionMark) {
  EXPECT_TRUE(matchesPattern("*", "anything"));
  EXPECT_TRUE(matchesPattern("web*", "web"));
  EXPECT_TRUE(matchesPattern("web*", "web-frontend"));
  EXPECT_FALSE(matchesPattern("web*", "dns"));
  EXPECT_TRUE(matchesPattern("*-fw", "edge-fw"));
  EXPECT_TRUE(matchesPattern("r?uter", "router"));
  EXPECT_FALSE(matchesPattern("r?uter", "rooouter"));
  EXPECT_TRUE(matchesPattern("a*b*c", "axxbyyc"));
  EXPECT_FALSE(matchesPattern("a*b*c", "axxbyy"));
  EXPECT_FALSE(matchesPattern("web", "web2"));
}

TEST(NamePattern, RejectsCharactersOutsideNamesAndWildcards) {
  EXPECT_TRUE(validateNamePattern("web-*").has_value());
  EXPECT_FALSE(validateNamePattern("").has_value());
  EXPECT_FALSE(validateNamePattern("web/*").has_value());
  EXPECT_FALSE(validateNamePattern("WEB").has_value());
}

}  // namespace
}  // namespace stele::images
