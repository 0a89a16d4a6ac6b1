// stele-dns as a process in a network namespace, queried with dig from a client namespace.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <tuple>

#include "dns_test_support.h"
#include "malformed_inputs.h"
#include "netns_harness.h"

namespace stele::services::testing {
namespace {

constexpr const char* kServer = "192.0.2.53";

class DnsProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(haveRootAndIp())
        << "these tests need root and iproute2 (scripts/test.sh runs as root)";
    std::tie(server_, client_) = linkServerAndClient(namespaces_, "192.0.2.53/24", "192.0.2.2/24");
    dns_ = std::make_unique<ApplianceProcess>(server_, "dns", dns::testing::kTestZoneConfig);
    ASSERT_TRUE(dns_->waitReady()) << dns_->stderrText();
  }

  CommandResult dig(std::vector<std::string> arguments) {
    std::vector<std::string> argv = {"dig", std::string("@") + kServer, "+tries=1", "+time=3"};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return runIn(client_, argv);
  }
  std::string digShort(const std::string& name, const std::string& type) {
    return dig({name, type, "+short"}).output;
  }

  NamespaceSet namespaces_;
  std::string server_, client_;
  std::unique_ptr<ApplianceProcess> dns_;
};

TEST_F(DnsProcessTest, AnswersEveryRecordTypeOverUdp) {
  std::string a = digShort("www.example.test", "A");
  EXPECT_TRUE(contains(a, "192.0.2.10") && contains(a, "192.0.2.11")) << a;
  EXPECT_TRUE(contains(digShort("www.example.test", "AAAA"), "2001:db8::10"));
  EXPECT_TRUE(contains(digShort("alias.example.test", "CNAME"), "www.example.test."));
  std::string ns = digShort("example.test", "NS");
  EXPECT_TRUE(contains(ns, "ns1.example.test.") && contains(ns, "ns2.example.test.")) << ns;
  EXPECT_TRUE(
      contains(digShort("example.test", "SOA"),
               "ns1.example.test. hostmaster.example.test. 2024010101 7200 3600 1209600 300"));
  EXPECT_TRUE(contains(digShort("example.test", "TXT"), "\"v=stele\" \"hello world\""));
}

TEST_F(DnsProcessTest, AnswerIsAuthoritativeAndFollowsCname) {
  CommandResult r = dig({"chain.example.test", "A"});
  EXPECT_TRUE(contains(r.output, "status: NOERROR")) << r.output;
  EXPECT_TRUE(contains(r.output, "flags: qr aa rd;")) << r.output;
  EXPECT_TRUE(contains(r.output, "ANSWER: 4")) << r.output;
}

TEST_F(DnsProcessTest, NxdomainCarriesSoaInAuthority) {
  CommandResult r = dig({"missing.example.test", "A"});
  EXPECT_TRUE(contains(r.output, "status: NXDOMAIN")) << r.output;
  EXPECT_TRUE(contains(r.output, "AUTHORITY: 1")) << r.output;
  EXPECT_TRUE(contains(r.output, "example.test.\t\t300\tIN\tSOA")) << r.output;
}

TEST_F(DnsProcessTest, RefusesZonesItDoesNotServe) {
  CommandResult r = dig({"www.example.org", "A"});
  EXPECT_TRUE(contains(r.output, "status: REFUSED")) << r.output;
}

TEST_F(DnsProcessTest, AnswersOverTcp) {
  CommandResult r = dig({"+tcp", "www.example.test", "AAAA"});
  EXPECT_TRUE(contains(r.output, "2001:db8::10")) << r.output;
  EXPECT_TRUE(contains(r.output, "(TCP)")) << r.output;
}

TEST_F(DnsProcessTest, KdigAgreesOverTcpAndUdp) {
  CommandResult udp =
      runIn(client_, {"kdig", std::string("@") + kServer, "+short", "ns1.example.test", "A"});
  EXPECT_TRUE(contains(udp.output, "192.0.2.53")) << udp.output;
  CommandResult tcp =
      runIn(client_, {"kdig", std::string("@") + kServer, "+tcp", "+short", "example.test", "TXT"});
  EXPECT_TRUE(contains(tcp.output, "\"v=stele\"")) << tcp.output;
}

TEST_F(DnsProcessTest, OversizedUdpAnswerIsTruncatedAndDigRetriesOverTcp) {
  CommandResult truncated = dig({"+noedns", "+ignore", "big.other.test", "TXT"});
  EXPECT_TRUE(contains(truncated.output, " tc")) << truncated.output;
  EXPECT_TRUE(contains(truncated.output, "ANSWER: 0")) << truncated.output;
  CommandResult retried = dig({"+noedns", "big.other.test", "TXT"});
  EXPECT_TRUE(contains(retried.output, "Truncated, retrying in TCP mode")) << retried.output;
  EXPECT_TRUE(contains(retried.output, "ANSWER: 3")) << retried.output;
}

TEST_F(DnsProcessTest, EdnsBufferSizeDecidesTruncation) {
  CommandResult large = dig({"+bufsize=4096", "+ignore", "big.other.test", "TXT"});
  EXPECT_TRUE(contains(large.output, "ANSWER: 3")) << large.output;
  EXPECT_TRUE(contains(large.output, "udp: 1232")) << large.output;
  CommandResult small = dig({"+bufsize=512", "+ignore", "big.other.test", "TXT"});
  EXPECT_TRUE(contains(small.output, " tc")) << small.output;
}

TEST_F(DnsProcessTest, CompressesAnswerOwnerToTheQuestion) {
  auto query = dns::testing::makeQuery("www.example.test", dns::rrtype::kA);
  std::string reply = udpExchange(client_, kServer, 53, std::string(query.begin(), query.end()));
  ASSERT_GE(reply.size(), 12u + 18 + 4 + 2);
  std::size_t afterQuestion = 12 + 18 + 4;
  EXPECT_EQ(static_cast<unsigned char>(reply[afterQuestion]), 0xc0);
  EXPECT_EQ(static_cast<unsigned char>(reply[afterQuestion + 1]), 0x0c);
}

TEST_F(DnsProcessTest, MalformedPacketsGetFormerrAndTheServerStaysUp) {
  for (const std::string& packet : malformedDnsMessages()) {
    std::string reply = udpExchange(client_, kServer, 53, packet, 1);
    if (packet.size() >= 12) {
      ASSERT_GE(reply.size(), 4u) << "no answer to a malformed query with a full header";
      EXPECT_EQ(reply[3] & 0x0f, 1) << "FORMERR expected";
    } else {
      EXPECT_TRUE(reply.empty());
    }
  }
  // The same corpus over TCP, length-prefixed on one connection.
  std::string stream;
  for (const std::string& packet : malformedDnsMessages()) {
    stream.push_back(static_cast<char>(packet.size() >> 8));
    stream.push_back(static_cast<char>(packet.size() & 0xff));
    stream += packet;
  }
  tcpExchange(client_, kServer, 53, stream, 1);
  EXPECT_TRUE(dns_->alive());
  EXPECT_TRUE(contains(digShort("www.example.test", "A"), "192.0.2.10"));
}

TEST(DnsProcessCli, BadConfigIsRefusedWithLineAndReason) {
  CommandResult r = runWithConfig("dns", "zone example.test\nrecord www 60 A 999.1.1.1\n");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_TRUE(contains(r.output, "config line 2: '999.1.1.1' is not an IPv4 address")) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1);
}

TEST(DnsProcessCli, HelpAndCheck) {
  EXPECT_EQ(run({binaryPath("dns"), "--help"}).exitCode, 0);
  CommandResult r = runWithConfig("dns", dns::testing::kTestZoneConfig, {"--check"});
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_EQ(run({binaryPath("dns")}).exitCode, 2);
}

}  // namespace
}  // namespace stele::services::testing
