#include "router/route_table.h"

#include "tests/support/value_of.h"

using stele::testing::valueOf;

#include <gtest/gtest.h>

namespace stele::services::router {
namespace {

Ipv4Address a(const char* text) { return *parseIpv4(text); }
Ipv4Prefix p(const char* text) { return *parseIpv4Prefix(text); }

TEST(RouteTable, LongestPrefixWins) {
  RouteTable table;
  table.add(Route{p("default"), 0, a("192.0.2.254")});
  table.add(Route{p("10.0.0.0/8"), 1, std::nullopt});
  table.add(Route{p("10.1.0.0/16"), 2, std::nullopt});
  table.add(Route{p("10.1.2.3/32"), 3, std::nullopt});
  EXPECT_EQ(valueOf(table.lookup(a("10.1.2.3"))).port, 3u);
  EXPECT_EQ(valueOf(table.lookup(a("10.1.2.4"))).port, 2u);
  EXPECT_EQ(valueOf(table.lookup(a("10.2.0.1"))).port, 1u);
  EXPECT_EQ(valueOf(table.lookup(a("8.8.8.8"))).port, 0u);
  EXPECT_EQ(table.size(), 4u);
}

TEST(RouteTable, NoDefaultMeansNoRoute) {
  RouteTable table;
  table.add(Route{p("192.0.2.0/24"), 0, std::nullopt});
  EXPECT_FALSE(table.lookup(a("198.51.100.1")));
  EXPECT_TRUE(table.lookup(a("192.0.2.200")));
}

TEST(RouteTable, AddingSamePrefixReplacesIt) {
  RouteTable table;
  table.add(Route{p("10.0.0.0/8"), 1, std::nullopt});
  table.add(Route{p("10.0.0.0/8"), 2, a("10.0.0.1")});
  EXPECT_EQ(table.size(), 1u);
  EXPECT_EQ(valueOf(table.lookup(a("10.9.9.9"))).port, 2u);
  EXPECT_EQ(valueOf(table.lookup(a("10.9.9.9"))).gateway, a("10.0.0.1"));
}

TEST(RouteTable, PrefixBoundariesAreExact) {
  RouteTable table;
  table.add(Route{p("198.51.100.128/25"), 1, std::nullopt});
  EXPECT_FALSE(table.lookup(a("198.51.100.127")));
  EXPECT_TRUE(table.lookup(a("198.51.100.128")));
  EXPECT_TRUE(table.lookup(a("198.51.100.255")));
}

}  // namespace
}  // namespace stele::services::router
