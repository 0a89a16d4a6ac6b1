#include "common/config_tokenizer.h"

#include <gtest/gtest.h>

#include "common/appliance_config.h"

namespace stele::services {
namespace {

TEST(ConfigTokenizer, SplitsDirectivesAndSkipsCommentsAndBlankLines) {
  auto lines = tokenizeConfig("# header\n\ninstance web-1   # trailing\n  listen\t127.0.0.1:80\n");
  ASSERT_TRUE(lines);
  ASSERT_EQ(lines->size(), 2u);
  EXPECT_EQ((*lines)[0].number, 3);
  EXPECT_EQ((*lines)[0].words, (std::vector<std::string>{"instance", "web-1"}));
  EXPECT_EQ((*lines)[1].number, 4);
  EXPECT_EQ((*lines)[1].words, (std::vector<std::string>{"listen", "127.0.0.1:80"}));
}

TEST(ConfigTokenizer, KeepsQuotedWordsWithSpacesHashesAndEscapes) {
  auto lines = tokenizeConfig("record @ 60 TXT \"a # b\" \"say \\\"hi\\\"\" \"\"\n");
  ASSERT_TRUE(lines);
  auto& w = (*lines)[0].words;
  ASSERT_EQ(w.size(), 7u);
  EXPECT_EQ(w[4], "a # b");
  EXPECT_EQ(w[5], "say \"hi\"");
  EXPECT_EQ(w[6], "");
}

TEST(ConfigTokenizer, AcceptsCrlfLineEndings) {
  auto lines = tokenizeConfig("instance a\r\nversion 1\r\n");
  ASSERT_TRUE(lines);
  EXPECT_EQ((*lines)[1].words[1], "1");
}

TEST(ConfigTokenizer, RejectsUnterminatedQuoteNamingTheLine) {
  auto lines = tokenizeConfig("instance a\nrecord @ 60 TXT \"open\n");
  ASSERT_FALSE(lines);
  EXPECT_EQ(lines.error().line, 2);
  EXPECT_EQ(lines.error().describe(), "config line 2: unterminated quoted string");
}

TEST(ConfigTokenizer, RejectsControlCharactersAndNul) {
  EXPECT_FALSE(tokenizeConfig(std::string("instance a\x01\n")));
  EXPECT_FALSE(tokenizeConfig(std::string("instance a\0b\n", 13)));
  EXPECT_FALSE(tokenizeConfig("x \"bad \\n escape\"\n"));
  EXPECT_FALSE(tokenizeConfig("x \"a\"b\n"));
}

TEST(ConfigTokenizer, ExpectArgumentsNamesDirectiveAndCounts) {
  auto lines = tokenizeConfig("listen a b\n");
  auto checked = expectArguments((*lines)[0], 1, 1);
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().describe(), "config line 1: 'listen' takes 1 argument(s), got 2");
}

TEST(ApplianceConfig, IdentityDirectivesValidateTheirValue) {
  ApplianceIdentity identity;
  auto lines = tokenizeConfig("instance web-1\nversion 1.2.3+build\ninstance <script>\n");
  EXPECT_TRUE(*applyIdentityDirective((*lines)[0], identity));
  EXPECT_TRUE(*applyIdentityDirective((*lines)[1], identity));
  EXPECT_EQ(identity.instance, "web-1");
  EXPECT_EQ(identity.version, "1.2.3+build");
  EXPECT_FALSE(applyIdentityDirective((*lines)[2], identity));
}

TEST(ApplianceConfig, InterfaceSelectsByNameOrMac) {
  KernelNetworkSetup setup;
  auto lines = tokenizeConfig(
      "interface eth0 192.0.2.10/24\ninterface 52:54:00:12:34:56 198.51.100.1/30\ngateway "
      "192.0.2.1\n");
  for (const auto& line : *lines) EXPECT_TRUE(*applyHostNetworkDirective(line, setup));
  ASSERT_EQ(setup.interfaces.size(), 2u);
  EXPECT_EQ(setup.interfaces[0].selector.name, "eth0");
  EXPECT_TRUE(setup.interfaces[1].selector.mac.has_value());
  EXPECT_EQ(setup.interfaces[1].address->prefixLength, 30);
  EXPECT_EQ(formatIpv4(*setup.defaultGateway), "192.0.2.1");
}

TEST(ApplianceConfig, InterfaceRejectsBadAddressAndName) {
  KernelNetworkSetup setup;
  auto lines = tokenizeConfig(
      "interface eth0 192.0.2.10\ninterface eth/0 192.0.2.10/24\ninterface eth0 192.0.2.300/24\n");
  for (const auto& line : *lines)
    EXPECT_FALSE(applyHostNetworkDirective(line, setup)) << line.number;
}

}  // namespace
}  // namespace stele::services
