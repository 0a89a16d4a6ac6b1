#include "router/router_config.h"

#include "tests/support/value_of.h"

using stele::testing::valueOf;

#include <gtest/gtest.h>

namespace stele::services::router {
namespace {

const std::string kPorts = "interface eth0 192.0.2.1/24\ninterface eth1 198.51.100.1/24\n";

TEST(RouterConfig, BuildsConnectedAndStaticRoutes) {
  auto parsed =
      parseRouterConfig("instance r\n" + kPorts +
                        "route 203.0.113.0/24 via 198.51.100.254\nroute default via 192.0.2.254\n");
  ASSERT_TRUE(parsed) << parsed.error().describe();
  EXPECT_EQ(parsed->ports.size(), 2u);
  EXPECT_EQ(parsed->routes.size(), 4u);
  auto route = parsed->routes.lookup(*parseIpv4("203.0.113.9"));
  ASSERT_TRUE(route);
  EXPECT_EQ(route->port, 1u);
  EXPECT_EQ(valueOf(parsed->routes.lookup(*parseIpv4("1.1.1.1"))).port, 0u);
}

TEST(RouterConfig, RejectsBadLinesNamingThem) {
  auto err = [](const std::string& text) {
    auto parsed = parseRouterConfig(text);
    return parsed ? std::string() : parsed.error().describe();
  };
  EXPECT_EQ(err("interface eth0 192.0.2.1/24\n"),
            "config: a router needs at least two 'interface' lines");
  EXPECT_EQ(err(kPorts + "route 10.0.0.0/8 via 10.9.9.9\n"),
            "config line 3: gateway 10.9.9.9 is not on any interface's subnet");
  EXPECT_EQ(
      err(kPorts + "route 10.0.0.1/8 via 192.0.2.9\n"),
      "config line 3: '10.0.0.1/8' is not a prefix (A.B.C.D/LEN with zero host bits, or default)");
  EXPECT_EQ(err(kPorts + "route 10.0.0.0/8 to 192.0.2.9\n"),
            "config line 3: expected 'route PREFIX via GATEWAY'");
  EXPECT_EQ(err(kPorts + "route 10.0.0.0/8 via 192.0.2.1\n"),
            "config line 3: gateway is the router's own address");
  EXPECT_EQ(err(kPorts + "route 10.0.0.0/8 via 192.0.2.9\nroute 10.0.0.0/8 via 192.0.2.8\n"),
            "config line 4: a route for 10.0.0.0/8 was already given");
  EXPECT_EQ(err(kPorts + "interface eth2 192.0.2.129/25\n"),
            "config line 3: subnet overlaps the one of interface eth0");
  EXPECT_EQ(err(kPorts + "interface eth0 203.0.113.1/24\n"),
            "config line 3: interface eth0 given twice");
  EXPECT_EQ(err(kPorts + "forward yes\n"), "config line 3: unknown directive 'forward'");
}

}  // namespace
}  // namespace stele::services::router
