#include "web/web_config.h"

#include <gtest/gtest.h>

namespace stele::services::web {
namespace {

TEST(WebConfig, ParsesAllDirectives) {
  auto parsed = parseWebConfig(
      "instance web-1\nversion 3\nlisten 127.0.0.1:8080\nlisten 192.0.2.1\ninterface eth0 "
      "192.0.2.1/24\n"
      "gateway 192.0.2.254\nmax-connections 50\n");
  ASSERT_TRUE(parsed) << parsed.error().describe();
  EXPECT_EQ(parsed->listen.size(), 2u);
  EXPECT_EQ(parsed->listen[1].second, 80);
  EXPECT_EQ(parsed->maxConnections, 50u);
  EXPECT_TRUE(parsed->network.defaultGateway.has_value());
}

TEST(WebConfig, EmptyConfigListensOnPort80) {
  auto parsed = parseWebConfig("# nothing\n");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->listen[0].second, 80);
  EXPECT_EQ(parsed->identity.instance, "unnamed");
}

TEST(WebConfig, RejectsBadLines) {
  EXPECT_EQ(parseWebConfig("listen nowhere\n").error().describe(),
            "config line 1: 'nowhere' is not ADDRESS or ADDRESS:PORT");
  EXPECT_EQ(parseWebConfig("listen 127.0.0.1:80\nlisten 127.0.0.1:80\n").error().describe(),
            "config line 2: listen address given twice");
  EXPECT_EQ(parseWebConfig("\n\nroot /var/www\n").error().describe(),
            "config line 3: unknown directive 'root'");
  EXPECT_EQ(parseWebConfig("instance\n").error().describe(),
            "config line 1: 'instance' takes 1 argument(s), got 0");
  EXPECT_EQ(parseWebConfig("gateway 1.2.3.4\ngateway 1.2.3.5\n").error().describe(),
            "config line 2: gateway given twice");
}

}  // namespace
}  // namespace stele::services::web
