#include "router/router_engine.h"

#include <gtest/gtest.h>

#include "packet_builders.h"
#include "tests/support/value_of.h"

using stele::testing::valueOf;

namespace stele::services::router {
namespace {

using namespace stele::services::testing;

const MacAddress kRouterA = mac("02:00:00:00:00:01");
const MacAddress kRouterB = mac("02:00:00:00:00:02");
const MacAddress kHostA = mac("02:00:00:00:0a:0a");
const MacAddress kHostB = mac("02:00:00:00:0b:0b");
const MacAddress kGateway = mac("02:00:00:00:0c:0c");

class RouterEngineTest : public ::testing::Test {
 protected:
  RouterEngineTest() : engine_(makeEngine()) {}

  static RouterEngine makeEngine() {
    RouteTable routes;
    routes.add(Route{*parseIpv4Prefix("192.0.2.0/24"), 0, std::nullopt});
    routes.add(Route{*parseIpv4Prefix("198.51.100.0/24"), 1, std::nullopt});
    routes.add(Route{*parseIpv4Prefix("203.0.113.0/24"), 1, ip("198.51.100.254")});
    return RouterEngine({{kRouterA, {ip("192.0.2.1"), 24}}, {kRouterB, {ip("198.51.100.1"), 24}}},
                        routes);
  }

  std::vector<OutboundFrame> receive(std::size_t port, Frame frame) {
    return engine_.handleFrame(port, std::move(frame), true, now_);
  }
  // Host A announces itself by asking for the router's address.
  void learnHostA() {
    auto out =
        receive(0, arpFrame(1, kHostA, ip("192.0.2.2"), MacAddress{}, ip("192.0.2.1"), kBroadcast));
    ASSERT_EQ(out.size(), 1u);
  }

  RouterEngine engine_;
  TimePoint now_{};
};

TEST_F(RouterEngineTest, AnswersArpForItsOwnAddress) {
  auto out =
      receive(0, arpFrame(1, kHostA, ip("192.0.2.2"), MacAddress{}, ip("192.0.2.1"), kBroadcast));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].port, 0u);
  const auto& reply = out[0].frame.bytes;
  EXPECT_EQ(loadMac(reply, 0), kHostA);
  EXPECT_EQ(load16(reply, 20), 2);  // ARP reply
  EXPECT_EQ(loadMac(reply, 22), kRouterA);
  EXPECT_EQ(load32(reply, 28), ip("192.0.2.1").value);
}

TEST_F(RouterEngineTest, IgnoresArpForOtherAddresses) {
  EXPECT_TRUE(
      receive(0, arpFrame(1, kHostA, ip("192.0.2.2"), MacAddress{}, ip("192.0.2.3"), kBroadcast))
          .empty());
  // The address of the other port is not answered on this link either.
  EXPECT_TRUE(
      receive(0, arpFrame(1, kHostA, ip("192.0.2.2"), MacAddress{}, ip("198.51.100.1"), kBroadcast))
          .empty());
}

TEST_F(RouterEngineTest, ResolvesNextHopThenForwardsWithTtlDecremented) {
  auto out = receive(
      0, ipv4Frame(kHostA, kRouterA, ip("192.0.2.2"), ip("198.51.100.2"), kProtocolIcmp, 64));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].port, 1u);
  EXPECT_EQ(etherType(out[0].frame.bytes), kEtherTypeArp);
  EXPECT_EQ(load32(out[0].frame.bytes, 38), ip("198.51.100.2").value);  // who-has target

  out = receive(1, arpFrame(2, kHostB, ip("198.51.100.2"), kRouterB, ip("198.51.100.1"), kRouterB));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].port, 1u);
  const auto& forwarded = out[0].frame.bytes;
  EXPECT_EQ(loadMac(forwarded, 0), kHostB);
  EXPECT_EQ(loadMac(forwarded, 6), kRouterB);
  auto header = parseIpv4(forwarded, /*verifyChecksum=*/true);
  ASSERT_TRUE(header);
  EXPECT_EQ(header->ttl, 63);

  // Now resolved: the next packet goes straight out.
  out = receive(0, ipv4Frame(kHostA, kRouterA, ip("192.0.2.2"), ip("198.51.100.2"), kProtocolUdp, 5,
                             1000, 53));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(valueOf(parseIpv4(out[0].frame.bytes, true)).ttl, 4);
  EXPECT_EQ(engine_.counters().forwarded, 2u);
}

TEST_F(RouterEngineTest, StaticRouteSendsToTheGateway) {
  auto out = receive(0, ipv4Frame(kHostA, kRouterA, ip("192.0.2.2"), ip("203.0.113.7"),
                                  kProtocolTcp, 64, 1000, 80));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(load32(out[0].frame.bytes, 38), ip("198.51.100.254").value);
  out = receive(
      1, arpFrame(2, kGateway, ip("198.51.100.254"), kRouterB, ip("198.51.100.1"), kRouterB));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(loadMac(out[0].frame.bytes, 0), kGateway);
}

TEST_F(RouterEngineTest, TtlExpiryGetsTimeExceededFromTheIngressAddress) {
  learnHostA();
  auto out = receive(
      0, ipv4Frame(kHostA, kRouterA, ip("192.0.2.2"), ip("198.51.100.2"), kProtocolIcmp, 1));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].port, 0u);
  const auto& error = out[0].frame.bytes;
  auto header = parseIpv4(error, true);
  ASSERT_TRUE(header);
  EXPECT_EQ(header->source, ip("192.0.2.1"));
  EXPECT_EQ(header->destination, ip("192.0.2.2"));
  EXPECT_EQ(error[header->payloadOffset()], kIcmpTimeExceeded);
  EXPECT_EQ(internetChecksum(std::span(error).subspan(header->payloadOffset())), 0);
  // The quote starts with the offending IPv4 header.
  EXPECT_EQ(load32(error, header->payloadOffset() + 8 + 16), ip("198.51.100.2").value);
  EXPECT_EQ(engine_.counters().timeExceeded, 1u);
}

TEST_F(RouterEngineTest, NoRouteGetsNetUnreachable) {
  learnHostA();
  auto out = receive(
      0, ipv4Frame(kHostA, kRouterA, ip("192.0.2.2"), ip("100.64.0.1"), kProtocolUdp, 64, 1, 2));
  ASSERT_EQ(out.size(), 1u);
  auto header = parseIpv4(out[0].frame.bytes, true);
  EXPECT_EQ(out[0].frame.bytes[header->payloadOffset()], kIcmpDestinationUnreachable);
  EXPECT_EQ(out[0].frame.bytes[header->payloadOffset() + 1], 0);
}

TEST_F(RouterEngineTest, NeverAnswersAnIcmpErrorWithAnother) {
  learnHostA();
  EXPECT_TRUE(receive(0, ipv4Frame(kHostA, kRouterA, ip("192.0.2.2"), ip("198.51.100.2"),
                                   kProtocolIcmp, 1, kIcmpTimeExceeded))
                  .empty());
}

TEST_F(RouterEngineTest, DropsMartians) {
  for (const char* source : {"127.0.0.1", "0.1.2.3", "224.0.0.5", "255.255.255.255", "192.0.2.1"})
    EXPECT_TRUE(receive(0, ipv4Frame(kHostA, kRouterA, ip(source), ip("198.51.100.2"), kProtocolUdp,
                                     64, 1, 2))
                    .empty())
        << source;
  for (const char* destination : {"127.0.0.1", "0.0.0.1", "239.1.1.1", "240.0.0.1"})
    EXPECT_TRUE(receive(0, ipv4Frame(kHostA, kRouterA, ip("192.0.2.2"), ip(destination),
                                     kProtocolUdp, 64, 1, 2))
                    .empty())
        << destination;
  EXPECT_EQ(engine_.counters().martians, 9u);
}

TEST_F(RouterEngineTest, DropsBadChecksumsAndFramesForOtherHosts) {
  Frame bad =
      ipv4Frame(kHostA, kRouterA, ip("192.0.2.2"), ip("198.51.100.2"), kProtocolUdp, 64, 1, 2);
  bad.bytes[24] ^= 0xff;
  EXPECT_TRUE(receive(0, bad).empty());
  EXPECT_TRUE(receive(0, ipv4Frame(kHostA, kHostB, ip("192.0.2.2"), ip("198.51.100.2"),
                                   kProtocolUdp, 64, 1, 2))
                  .empty());
  EXPECT_TRUE(receive(0, Frame{{}, {1, 2, 3}}).empty());
}

TEST_F(RouterEngineTest, AnswersEchoRequestsToItsOwnAddress) {
  learnHostA();
  auto out =
      receive(0, ipv4Frame(kHostA, kRouterA, ip("192.0.2.2"), ip("192.0.2.1"), kProtocolIcmp, 64));
  ASSERT_EQ(out.size(), 1u);
  auto header = parseIpv4(out[0].frame.bytes, true);
  ASSERT_TRUE(header);
  EXPECT_EQ(header->source, ip("192.0.2.1"));
  EXPECT_EQ(out[0].frame.bytes[header->payloadOffset()], kIcmpEchoReply);
  EXPECT_EQ(internetChecksum(std::span(out[0].frame.bytes).subspan(header->payloadOffset())), 0);
}

TEST_F(RouterEngineTest, UnresolvedNextHopRetriesThenReportsHostUnreachable) {
  learnHostA();
  auto out = receive(
      0, ipv4Frame(kHostA, kRouterA, ip("192.0.2.2"), ip("198.51.100.9"), kProtocolUdp, 64, 1, 2));
  ASSERT_EQ(out.size(), 1u);  // first ARP request
  int arpRequests = 1;
  std::vector<OutboundFrame> errors;
  for (int second = 1; second <= 4; ++second) {
    now_ += std::chrono::seconds(1);
    for (auto& frame : engine_.tick(now_)) {
      if (etherType(frame.frame.bytes) == kEtherTypeArp)
        ++arpRequests;
      else
        errors.push_back(std::move(frame));
    }
  }
  EXPECT_EQ(arpRequests, kArpAttempts);
  ASSERT_EQ(errors.size(), 1u);
  auto header = parseIpv4(errors[0].frame.bytes, true);
  EXPECT_EQ(errors[0].frame.bytes[header->payloadOffset()], kIcmpDestinationUnreachable);
  EXPECT_EQ(errors[0].frame.bytes[header->payloadOffset() + 1], 1);
}

TEST(RouterMartians, ClassifiesAddresses) {
  EXPECT_TRUE(isMartianSource(ip("127.0.0.1")));
  EXPECT_FALSE(isMartianSource(ip("192.0.2.1")));
  EXPECT_TRUE(isMartianDestination(ip("224.0.0.1")));
  EXPECT_FALSE(isMartianDestination(ip("10.0.0.1")));
}

}  // namespace
}  // namespace stele::services::router
