// SocketProber probing the real web and dns appliances from inside network namespaces the
// test creates (root needed; CI runs as root). Every address lives in those namespaces.
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <tuple>

#include "netns_harness.h"
#include "scheduler/health/socket_prober.h"

namespace stele::scheduler::health {
namespace {

namespace sv = stele::services::testing;

constexpr const char* kServer = "192.0.2.80";

class SocketProberNetnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(sv::haveRootAndIp()) << "these tests need root and iproute2";
    std::tie(server_, client_) =
        sv::linkServerAndClient(namespaces_, "192.0.2.80/24", "192.0.2.2/24");
  }

  void startWeb() {
    web_ = std::make_unique<sv::ApplianceProcess>(server_, "web",
                                                  "instance web-probe-1\nlisten 192.0.2.80:80\n");
    ASSERT_TRUE(web_->waitReady()) << web_->stderrText();
  }

  ProbeResult probe(CheckKind check, const std::string& netns) {
    auto promise = std::make_shared<std::promise<ProbeResult>>();
    auto future = promise->get_future();
    prober_.submit({7, std::move(check), kServer, netns, 1000},
                   [promise](ProbeResult r) { promise->set_value(std::move(r)); });
    if (future.wait_for(std::chrono::seconds(30)) != std::future_status::ready)
      return {0, false, "test: no result", 0, true};
    return future.get();
  }

  sv::NamespaceSet namespaces_;
  std::string server_, client_;
  std::unique_ptr<sv::ApplianceProcess> web_;
  SocketProber prober_;
};

TEST_F(SocketProberNetnsTest, HttpCheckFromTheClientNamespaceReachesTheWebAppliance) {
  startWeb();
  ProbeResult healthz = probe(HttpCheck{80, "/healthz", 200}, client_);
  EXPECT_TRUE(healthz.ok) << healthz.detail;
  EXPECT_EQ(healthz.detail, "http 200");
  ProbeResult missing = probe(HttpCheck{80, "/missing", 200}, client_);
  EXPECT_FALSE(missing.ok);
  EXPECT_EQ(missing.detail, "http 404");
  ProbeResult tcp = probe(TcpCheck{80}, client_);
  EXPECT_TRUE(tcp.ok) << tcp.detail;
  ProbeResult closed = probe(TcpCheck{81}, client_);
  EXPECT_FALSE(closed.ok);
  EXPECT_EQ(closed.detail, "connect refused");
}

TEST_F(SocketProberNetnsTest, EachNamespaceGetsItsOwnLoop) {
  startWeb();
  EXPECT_TRUE(probe(HttpCheck{80, "/healthz", 200}, client_).ok);
  EXPECT_TRUE(probe(HttpCheck{80, "/healthz", 200}, server_).ok);  // from the server's own
  EXPECT_TRUE(probe(HttpCheck{80, "/healthz", 200}, client_).ok);
  EXPECT_EQ(prober_.loopCount(), 2u);
}

TEST_F(SocketProberNetnsTest, AStoppedApplianceIsRefused) {
  startWeb();
  ASSERT_TRUE(probe(HttpCheck{80, "/healthz", 200}, client_).ok);
  web_.reset();
  ProbeResult r = probe(HttpCheck{80, "/healthz", 200}, client_);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "connect refused");
  EXPECT_FALSE(r.proberFault);
}

TEST_F(SocketProberNetnsTest, DnsCheckFromTheClientNamespaceReachesTheDnsAppliance) {
  sv::ApplianceProcess dns(server_, "dns",
                           "instance dns-probe-1\n"
                           "listen 192.0.2.80:53\n"
                           "zone probe.test\n"
                           "record @ 3600 SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
                           "record @ 3600 NS ns1\n"
                           "record ns1 3600 A 192.0.2.80\n"
                           "record www 60 A 192.0.2.10\n"
                           "record www 60 A 192.0.2.11\n"
                           "record alias 60 CNAME www\n");
  ASSERT_TRUE(dns.waitReady()) << dns.stderrText();
  struct Case {
    DnsCheck check;
    bool ok;
    std::string detail;
  };
  std::vector<Case> cases = {
      {{"www.probe.test", "A", "192.0.2.11", 53}, true, "dns ok"},
      {{"www.probe.test", "A", "", 53}, true, "dns ok"},
      {{"alias.probe.test", "CNAME", "www.probe.test", 53}, true, "dns ok"},
      {{"www.probe.test", "A", "192.0.2.12", 53}, false, "dns answer differs"},
      {{"nope.probe.test", "A", "", 53}, false, "dns NXDOMAIN"},
      {{"www.elsewhere.test", "A", "", 53}, false, "dns REFUSED"},
      {{"www.probe.test", "AAAA", "", 53}, false, "dns no answer"},
      {{"www.probe.test", "A", "", 54}, false, "dns port unreachable"},
  };
  for (const Case& c : cases) {
    ProbeResult r = probe(c.check, client_);
    EXPECT_EQ(r.ok, c.ok) << c.check.name << " " << c.check.type << ": " << r.detail;
    EXPECT_EQ(r.detail, c.detail) << c.check.name << " " << c.check.type;
  }
}

}  // namespace
}  // namespace stele::scheduler::health
