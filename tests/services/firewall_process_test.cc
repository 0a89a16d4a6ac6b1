// stele-firewall as a process bridging two host namespaces on one subnet. Its namespace
// has no address and no bridge device, so only the appliance can carry frames across.
#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>

#include "netns_harness.h"

namespace stele::services::testing {
namespace {

class FirewallProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(haveRootAndIp())
        << "these tests need root and iproute2 (scripts/test.sh runs as root)";
    outside_ = namespaces_.add("o");
    firewall_ = namespaces_.add("f");
    inside_ = namespaces_.add("i");
    auto [outsideEnd, firewallOutside] = namespaces_.link(outside_, "o0", firewall_, "fo");
    auto [insideEnd, firewallInside] = namespaces_.link(inside_, "i0", firewall_, "fi");
    namespaces_.addAddress(outside_, outsideEnd, "192.0.2.2/24");
    namespaces_.addAddress(inside_, insideEnd, "192.0.2.3/24");
    ports_ = "instance fw-1\noutside " + firewallOutside + "\ninside " + firewallInside + "\n";
  }

  void startFirewall(const std::string& extra = "") {
    process_ = std::make_unique<ApplianceProcess>(firewall_, "firewall", ports_ + extra);
    ASSERT_TRUE(process_->waitReady()) << process_->stderrText();
  }

  NamespaceSet namespaces_;
  std::string outside_, firewall_, inside_, ports_;
  std::unique_ptr<ApplianceProcess> process_;
};

TEST_F(FirewallProcessTest, WithoutTheApplianceNothingCrosses) {
  ApplianceProcess web(inside_, "web", "listen 192.0.2.3:80\n");
  ASSERT_TRUE(web.waitReady());
  CommandResult r = runIn(outside_, {"curl", "-sS", "-m", "3", "http://192.0.2.3/healthz"});
  EXPECT_NE(r.exitCode, 0) << r.output;
}

TEST_F(FirewallProcessTest, DefaultRulesDropAndLogPing) {
  startFirewall();
  CommandResult r = runIn(outside_, {"ping", "-c", "2", "-W", "1", "192.0.2.3"});
  EXPECT_NE(r.exitCode, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "0 received")) << r.output;
  EXPECT_TRUE(process_->waitForStderr(
      "stele-firewall: drop icmp 192.0.2.2 -> 192.0.2.3 type 8 in outside (rule 1)"))
      << process_->stderrText();
  CommandResult fromInside = runIn(inside_, {"ping", "-c", "1", "-W", "1", "192.0.2.2"});
  EXPECT_NE(fromInside.exitCode, 0);
  EXPECT_TRUE(process_->waitForStderr("drop icmp 192.0.2.3 -> 192.0.2.2 type 8 in inside"))
      << process_->stderrText();
}

TEST_F(FirewallProcessTest, DefaultRulesPassTcpAndUdp) {
  startFirewall();
  ApplianceProcess web(inside_, "web", "instance inside-web\nlisten 192.0.2.3:80\n");
  ASSERT_TRUE(web.waitReady());
  ApplianceProcess dns(inside_, "dns",
                       "listen 192.0.2.3\nzone example.test\nrecord @ 60 SOA ns h 1 2 3 4 5\n"
                       "record @ 60 NS ns\nrecord ns 60 A 192.0.2.3\n");
  ASSERT_TRUE(dns.waitReady());
  CommandResult page = runIn(outside_, {"curl", "-sS", "-m", "10", "http://192.0.2.3/"});
  EXPECT_TRUE(contains(page.output, "inside-web")) << page.output;
  std::string body = writeTempFile(std::string(60000, 'b'));
  CommandResult upload =
      runIn(outside_, {"curl", "-sS", "-m", "10", "-o", "/dev/null", "-w", "%{http_code}", "-X",
                       "PUT", "--data-binary", "@" + body, "http://192.0.2.3/"});
  unlink(body.c_str());
  EXPECT_EQ(upload.output, "405");
  CommandResult udp = runIn(
      outside_, {"dig", "@192.0.2.3", "+tries=1", "+time=3", "+short", "ns.example.test", "A"});
  EXPECT_TRUE(contains(udp.output, "192.0.2.3")) << udp.output;
  EXPECT_FALSE(contains(process_->stderrText(), "drop ")) << process_->stderrText();
}

TEST_F(FirewallProcessTest, ConfiguredRuleDropsATcpPortAndLogsIt) {
  startFirewall("rule drop log proto tcp dport 80 in outside\nrule accept proto icmp\n");
  ApplianceProcess web(inside_, "web", "listen 192.0.2.3:80\n");
  ASSERT_TRUE(web.waitReady());
  CommandResult blocked = runIn(outside_, {"curl", "-sS", "-m", "2", "http://192.0.2.3/healthz"});
  EXPECT_NE(blocked.exitCode, 0) << blocked.output;
  EXPECT_TRUE(process_->waitForStderr("-> 192.0.2.3:80 in outside (rule 1)"))
      << process_->stderrText();
  CommandResult ping = runIn(outside_, {"ping", "-c", "1", "-W", "2", "192.0.2.3"});
  EXPECT_EQ(ping.exitCode, 0) << ping.output;
}

TEST(FirewallProcessCli, BadConfigIsRefusedWithLineAndReason) {
  CommandResult r =
      runWithConfig("firewall", "outside eth0\ninside eth1\nrule drop proto tcp dport http\n");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_TRUE(contains(r.output, "config line 3: 'http' is not a port or LOW-HIGH range"))
      << r.output;
}

}  // namespace
}  // namespace stele::services::testing
