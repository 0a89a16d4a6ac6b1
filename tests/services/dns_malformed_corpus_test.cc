// Malformed messages never crash the responder; those with a full header get FORMERR.
#include <gtest/gtest.h>

#include "dns/dns_config.h"
#include "dns/dns_responder.h"
#include "dns_test_support.h"
#include "malformed_inputs.h"

namespace stele::services::dns {
namespace {

TEST(DnsMalformedCorpus, EveryMessageIsDroppedOrAnsweredWithFormerr) {
  auto config = parseDnsConfig(testing::kTestZoneConfig);
  ASSERT_TRUE(config);
  int index = 0;
  for (const std::string& raw : stele::services::testing::malformedDnsMessages()) {
    std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(raw.data()),
                                        raw.size());
    std::vector<std::uint8_t> response;
    bool answered = answerQuery(config->zones, bytes, Transport::Udp, response);
    if (raw.size() < kHeaderSize) {
      EXPECT_FALSE(answered) << "message " << index;
    } else {
      ASSERT_TRUE(answered) << "message " << index;
      auto parsed = parseMessage(response);
      ASSERT_TRUE(parsed) << "message " << index;
      EXPECT_EQ(parsed->header.rcode(), static_cast<int>(Rcode::FormErr)) << "message " << index;
      EXPECT_EQ(parsed->header.id, 0x1234) << "message " << index;
    }
    ++index;
  }
}

TEST(DnsMalformedCorpus, EveryTruncationOfAValidQueryIsSafe) {
  auto config = parseDnsConfig(testing::kTestZoneConfig);
  ASSERT_TRUE(config);
  auto query = testing::makeQuery("www.example.test", rrtype::kA, 1232);
  for (std::size_t length = 0; length < query.size(); ++length) {
    std::vector<std::uint8_t> response;
    std::span<const std::uint8_t> prefix(query.data(), length);
    bool answered = answerQuery(config->zones, prefix, Transport::Udp, response);
    if (length < kHeaderSize) {
      EXPECT_FALSE(answered) << "no header to answer, length " << length;
      continue;
    }
    // A whole header but a cut question or EDNS record: always FORMERR, never silence.
    ASSERT_TRUE(answered) << "length " << length;
    auto parsed = parseMessage(response);
    ASSERT_TRUE(parsed) << "length " << length;
    EXPECT_EQ(parsed->header.rcode(), static_cast<int>(Rcode::FormErr)) << length;
  }
}

}  // namespace
}  // namespace stele::services::dns
