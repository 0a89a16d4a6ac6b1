#include "dns/dns_responder.h"

#include <gtest/gtest.h>

#include "dns/dns_config.h"
#include "dns_test_support.h"

namespace stele::services::dns {
namespace {

using testing::makeQuery;

class DnsResponderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto parsed = parseDnsConfig(testing::kTestZoneConfig);
    ASSERT_TRUE(parsed) << parsed.error().describe();
    config_ = std::move(*parsed);
  }

  Message ask(const std::vector<std::uint8_t>& query, Transport transport = Transport::Udp) {
    std::vector<std::uint8_t> response;
    EXPECT_TRUE(answerQuery(config_.zones, query, transport, response));
    lastSize_ = response.size();
    lastResponse_ = response;
    auto message = parseMessage(response);
    EXPECT_TRUE(message) << "response does not parse";
    return message ? *message : Message{};
  }
  Message ask(const std::string& name, std::uint16_t type) { return ask(makeQuery(name, type)); }

  DnsConfig config_;
  std::size_t lastSize_ = 0;
  std::vector<std::uint8_t> lastResponse_;
};

std::vector<std::uint16_t> typesOf(const std::vector<Record>& records) {
  std::vector<std::uint16_t> types;
  types.reserve(records.size());
  for (const auto& r : records) types.push_back(r.type);
  return types;
}

TEST_F(DnsResponderTest, AnswersARecordsAuthoritatively) {
  Message m = ask("www.example.test", rrtype::kA);
  EXPECT_TRUE(m.header.has(flag::kQr));
  EXPECT_TRUE(m.header.has(flag::kAa));
  EXPECT_TRUE(m.header.has(flag::kRd));  // copied from the query
  EXPECT_FALSE(m.header.has(flag::kRa));
  EXPECT_EQ(m.header.id, 0x1234);
  EXPECT_EQ(m.header.rcode(), 0);
  ASSERT_EQ(m.answers.size(), 2u);
  EXPECT_EQ(m.answers[0].rdata, std::string("\xc0\x00\x02\x0a", 4));
  EXPECT_EQ(m.answers[0].ttl, 300u);
}

TEST_F(DnsResponderTest, AnswersAaaa) {
  Message m = ask("www.example.test", rrtype::kAaaa);
  ASSERT_EQ(m.answers.size(), 1u);
  EXPECT_EQ(m.answers[0].rdata.size(), 16u);
}

TEST_F(DnsResponderTest, FollowsCnameChainInsideTheZone) {
  Message m = ask("chain.example.test", rrtype::kA);
  EXPECT_EQ(typesOf(m.answers),
            (std::vector<std::uint16_t>{rrtype::kCname, rrtype::kCname, rrtype::kA, rrtype::kA}));
  EXPECT_EQ(nameToText(m.answers[1].name), "alias.example.test.");
  EXPECT_EQ(nameToText(m.answers[1].rdata), "www.example.test.");
}

TEST_F(DnsResponderTest, AnswersCnameQueryWithTheCnameOnly) {
  Message m = ask("alias.example.test", rrtype::kCname);
  EXPECT_EQ(typesOf(m.answers), (std::vector<std::uint16_t>{rrtype::kCname}));
}

TEST_F(DnsResponderTest, StopsAtCnameLeavingOurZones) {
  Message m = ask("outside.example.test", rrtype::kA);
  EXPECT_EQ(m.header.rcode(), 0);
  EXPECT_EQ(typesOf(m.answers), (std::vector<std::uint16_t>{rrtype::kCname}));
}

TEST_F(DnsResponderTest, NxdomainCarriesSoaWithNegativeTtl) {
  Message m = ask("nope.example.test", rrtype::kA);
  EXPECT_EQ(m.header.rcode(), static_cast<int>(Rcode::NxDomain));
  EXPECT_TRUE(m.header.has(flag::kAa));
  EXPECT_TRUE(m.answers.empty());
  ASSERT_EQ(m.authority.size(), 1u);
  EXPECT_EQ(m.authority[0].type, rrtype::kSoa);
  EXPECT_EQ(m.authority[0].ttl, 300u);  // min(SOA TTL 3600, minimum 300)
}

TEST_F(DnsResponderTest, NodataForExistingNameWithoutThatType) {
  Message m = ask("www.example.test", 15 /* MX */);
  EXPECT_EQ(m.header.rcode(), 0);
  EXPECT_TRUE(m.answers.empty());
  ASSERT_EQ(m.authority.size(), 1u);
  EXPECT_EQ(m.authority[0].type, rrtype::kSoa);
}

TEST_F(DnsResponderTest, EmptyNonTerminalIsNodataNotNxdomain) {
  Message m = ask("b.deep.example.test", rrtype::kA);
  EXPECT_EQ(m.header.rcode(), 0);
  EXPECT_TRUE(m.answers.empty());
}

TEST_F(DnsResponderTest, RefusesZonesItDoesNotServe) {
  Message m = ask("www.example.org", rrtype::kA);
  EXPECT_EQ(m.header.rcode(), static_cast<int>(Rcode::Refused));
  EXPECT_FALSE(m.header.has(flag::kAa));
  EXPECT_TRUE(m.answers.empty());
}

TEST_F(DnsResponderTest, RefusesOtherClassesAndZoneTransfers) {
  EXPECT_EQ(
      ask(makeQuery("www.example.test", rrtype::kA, std::nullopt, 1, 3 /* CH */)).header.rcode(),
      static_cast<int>(Rcode::Refused));
  EXPECT_EQ(ask("example.test", rrtype::kAxfr).header.rcode(), static_cast<int>(Rcode::Refused));
}

TEST_F(DnsResponderTest, ApexNsComesWithGlue) {
  Message m = ask("example.test", rrtype::kNs);
  EXPECT_EQ(typesOf(m.answers), (std::vector<std::uint16_t>{rrtype::kNs, rrtype::kNs}));
  EXPECT_EQ(typesOf(m.additional), (std::vector<std::uint16_t>{rrtype::kA, rrtype::kA}));
}

TEST_F(DnsResponderTest, SoaAndTxtAtApex) {
  Message soa = ask("example.test", rrtype::kSoa);
  ASSERT_EQ(soa.answers.size(), 1u);
  EXPECT_EQ(soa.answers[0].rdata.size(), 18u + 25u + 20u);  // MNAME, RNAME (expanded), counters
  Message txt = ask("example.test", rrtype::kTxt);
  ASSERT_EQ(txt.answers.size(), 1u);
  EXPECT_EQ(txt.answers[0].rdata, std::string("\x07v=stele\x0bhello world"));
}

TEST_F(DnsResponderTest, DelegationGivesReferralWithoutAa) {
  Message m = ask("host.sub.example.test", rrtype::kA);
  EXPECT_EQ(m.header.rcode(), 0);
  EXPECT_FALSE(m.header.has(flag::kAa));
  EXPECT_TRUE(m.answers.empty());
  EXPECT_EQ(typesOf(m.authority), (std::vector<std::uint16_t>{rrtype::kNs}));
  EXPECT_EQ(typesOf(m.additional), (std::vector<std::uint16_t>{rrtype::kA}));
}

TEST_F(DnsResponderTest, AnyReturnsEveryRecordAtTheName) {
  Message m = ask("www.example.test", rrtype::kAny);
  EXPECT_EQ(m.answers.size(), 3u);
}

TEST_F(DnsResponderTest, PreservesQuestionCaseAndCompressesOwnerToQuestion) {
  Message m = ask("WwW.ExAmPlE.TeSt", rrtype::kA);
  EXPECT_EQ(nameToText(m.questions[0].name), "WwW.ExAmPlE.TeSt.");
  ASSERT_FALSE(m.answers.empty());
  EXPECT_EQ(nameToText(m.answers[0].name), "WwW.ExAmPlE.TeSt.");
  // Answer owner right after the question is a pointer to offset 12.
  std::size_t afterQuestion = 12 + 18 + 4;
  EXPECT_EQ(lastResponse_[afterQuestion], 0xc0);
  EXPECT_EQ(lastResponse_[afterQuestion + 1], 0x0c);
}

TEST_F(DnsResponderTest, EchoesEdnsWithOurPayloadSize) {
  Message m = ask(makeQuery("www.example.test", rrtype::kA, 4096));
  ASSERT_FALSE(m.additional.empty());
  EXPECT_EQ(m.additional.back().type, rrtype::kOpt);
  EXPECT_EQ(m.additional.back().klass, kAdvertisedUdpPayload);
}

TEST_F(DnsResponderTest, UnknownEdnsVersionGetsBadvers) {
  auto query = makeQuery("www.example.test", rrtype::kA, 4096);
  query[query.size() - 5] = 1;  // OPT TTL byte 2: version
  Message m = ask(query);
  ASSERT_FALSE(m.additional.empty());
  EXPECT_EQ(m.additional.back().ttl >> 24, 1u);  // extended rcode 16 >> 4
  EXPECT_EQ(m.header.rcode(), 0);
}

TEST_F(DnsResponderTest, TruncatesOversizedUdpAnswerWithoutEdns) {
  Message m = ask("big.other.test", rrtype::kTxt);
  EXPECT_TRUE(m.header.has(flag::kTc));
  EXPECT_TRUE(m.answers.empty());
  EXPECT_LE(lastSize_, kPlainUdpLimit);
}

TEST_F(DnsResponderTest, LargeEdnsBufferOrTcpGetsTheFullAnswer) {
  Message edns = ask(makeQuery("big.other.test", rrtype::kTxt, 4096));
  EXPECT_FALSE(edns.header.has(flag::kTc));
  EXPECT_EQ(edns.answers.size(), 3u);
  Message tcp = ask(makeQuery("big.other.test", rrtype::kTxt), Transport::Tcp);
  EXPECT_FALSE(tcp.header.has(flag::kTc));
  EXPECT_EQ(tcp.answers.size(), 3u);
}

TEST_F(DnsResponderTest, EdnsBufferBelow512IsTreatedAs512) {
  Message m = ask(makeQuery("big.other.test", rrtype::kTxt, 100));
  EXPECT_TRUE(m.header.has(flag::kTc));
  EXPECT_LE(lastSize_, kPlainUdpLimit);
}

TEST_F(DnsResponderTest, IgnoresResponsesAndRunts) {
  std::vector<std::uint8_t> response;
  auto query = makeQuery("www.example.test", rrtype::kA);
  query[2] |= 0x80;  // QR
  EXPECT_FALSE(answerQuery(config_.zones, query, Transport::Udp, response));
  std::vector<std::uint8_t> runt = {1, 2, 3};
  EXPECT_FALSE(answerQuery(config_.zones, runt, Transport::Udp, response));
}

TEST_F(DnsResponderTest, OtherOpcodesGetNotimp) {
  auto query = makeQuery("www.example.test", rrtype::kA);
  query[2] = static_cast<std::uint8_t>(query[2] | (4 << 3));  // NOTIFY
  Message m = ask(query);
  EXPECT_EQ(m.header.rcode(), static_cast<int>(Rcode::NotImp));
  EXPECT_EQ(m.header.opcode(), 4);
}

}  // namespace
}  // namespace stele::services::dns
