// stele-router as a process in its own namespace between two host namespaces. The router
// namespace has no IPv4 address and ip_forward=0, so only the appliance can forward.
#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>

#include "netns_harness.h"

namespace stele::services::testing {
namespace {

class RouterProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(haveRootAndIp())
        << "these tests need root and iproute2 (scripts/test.sh runs as root)";
    left_ = namespaces_.add("a");
    router_ = namespaces_.add("r");
    right_ = namespaces_.add("b");
    auto [leftEnd, routerLeft] = namespaces_.link(left_, "a0", router_, "r0");
    auto [rightEnd, routerRight] = namespaces_.link(right_, "b0", router_, "r1");
    namespaces_.addAddress(left_, leftEnd, "192.0.2.2/24");
    namespaces_.addAddress(right_, rightEnd, "198.51.100.2/24");
    // Default routes stay inside the test: they point at the router's namespace.
    namespaces_.addDefaultRoute(left_, "192.0.2.1");
    namespaces_.addDefaultRoute(right_, "198.51.100.1");
    config_ = "instance router-1\nversion 1.0\ninterface " + routerLeft +
              " 192.0.2.1/24\ninterface " + routerRight + " 198.51.100.1/24\n";
  }

  void startRouter() {
    router_process_ = std::make_unique<ApplianceProcess>(router_, "router", config_);
    ASSERT_TRUE(router_process_->waitReady()) << router_process_->stderrText();
  }

  NamespaceSet namespaces_;
  std::string left_, router_, right_, config_;
  std::unique_ptr<ApplianceProcess> router_process_;
};

TEST_F(RouterProcessTest, WithoutTheApplianceNothingCrosses) {
  CommandResult r = runIn(left_, {"ping", "-c", "1", "-W", "1", "198.51.100.2"});
  EXPECT_NE(r.exitCode, 0) << r.output;
  CommandResult forwarding = runIn(router_, {"sysctl", "-n", "net.ipv4.ip_forward"});
  EXPECT_EQ(forwarding.output, "0\n");
  CommandResult addresses = runIn(router_, {"ip", "-4", "-o", "addr", "show", "scope", "global"});
  EXPECT_EQ(addresses.output, "");
}

TEST_F(RouterProcessTest, PingCrossesWithTtlDecremented) {
  startRouter();
  CommandResult r = runIn(left_, {"ping", "-c", "3", "-W", "2", "198.51.100.2"});
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "ttl=63")) << r.output;
  CommandResult back = runIn(right_, {"ping", "-c", "1", "-W", "2", "192.0.2.2"});
  EXPECT_EQ(back.exitCode, 0) << back.output;
}

TEST_F(RouterProcessTest, RouterAnswersPingToItsOwnAddresses) {
  startRouter();
  CommandResult near = runIn(left_, {"ping", "-c", "1", "-W", "2", "192.0.2.1"});
  EXPECT_EQ(near.exitCode, 0) << near.output;
  CommandResult far = runIn(left_, {"ping", "-c", "1", "-W", "2", "198.51.100.1"});
  EXPECT_EQ(far.exitCode, 0) << far.output;
}

TEST_F(RouterProcessTest, TtlExpiryYieldsTimeExceededFromTheRouter) {
  startRouter();
  CommandResult r = runIn(left_, {"ping", "-c", "1", "-t", "1", "-W", "2", "198.51.100.2"});
  EXPECT_TRUE(contains(r.output, "From 192.0.2.1")) << r.output;
  EXPECT_TRUE(contains(r.output, "Time to live exceeded")) << r.output;
}

TEST_F(RouterProcessTest, TcpCrossesIncludingLargeSegments) {
  startRouter();
  ApplianceProcess web(right_, "web", "instance behind-router\nlisten 198.51.100.2:80\n");
  ASSERT_TRUE(web.waitReady());
  CommandResult page = runIn(left_, {"curl", "-sS", "-m", "10", "http://198.51.100.2/"});
  EXPECT_TRUE(contains(page.output, "behind-router")) << page.output;
  std::string body = writeTempFile(std::string(60000, 'b'));
  CommandResult upload =
      runIn(left_, {"curl", "-sS", "-m", "10", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT",
                    "--data-binary", "@" + body, "http://198.51.100.2/"});
  unlink(body.c_str());
  EXPECT_EQ(upload.output, "405");
}

TEST_F(RouterProcessTest, UdpCrosses) {
  startRouter();
  ApplianceProcess dns(right_, "dns",
                       "listen 198.51.100.2\nzone example.test\nrecord @ 60 SOA ns h 1 2 3 4 5\n"
                       "record @ 60 NS ns\nrecord ns 60 A 198.51.100.2\n");
  ASSERT_TRUE(dns.waitReady());
  CommandResult r = runIn(
      left_, {"dig", "@198.51.100.2", "+tries=1", "+time=3", "+short", "ns.example.test", "A"});
  EXPECT_TRUE(contains(r.output, "198.51.100.2")) << r.output;
}

TEST_F(RouterProcessTest, UnroutableDestinationGetsNetUnreachable) {
  startRouter();
  CommandResult r = runIn(left_, {"ping", "-c", "1", "-W", "2", "203.0.113.9"});
  EXPECT_NE(r.exitCode, 0);
  EXPECT_TRUE(contains(r.output, "Destination Net Unreachable")) << r.output;
}

TEST(RouterProcessCli, BadConfigIsRefusedWithLineAndReason) {
  CommandResult r = runWithConfig(
      "router",
      "interface eth0 192.0.2.1/24\ninterface eth1 198.51.100.1/24\nroute 10.0.0.0/8 via "
      "10.0.0.1\n");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_TRUE(
      contains(r.output, "config line 3: gateway 10.0.0.1 is not on any interface's subnet"))
      << r.output;
}

}  // namespace
}  // namespace stele::services::testing
