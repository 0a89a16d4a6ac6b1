#include "images/envelope.h"

#include <gtest/gtest.h>

#include "common/encoding.h"

namespace stele::images {
namespace {

const std::string kKeyId(64, 'a');
const std::string kSig = base64Encode(std::string(64, 's'));

std::string envelope(const std::string& signatures, const std::string& extra = "") {
  return R"({"payloadType":"t","payload":")" + base64Encode("{}") + R"(","signatures":)" +
         signatures + extra + "}";
}

TEST(PreAuthEncoding, FollowsDsseV1WithByteLengths) {
  EXPECT_EQ(preAuthEncoding("http://example.com/HelloWorld", "hello world"),
            "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
  EXPECT_EQ(preAuthEncoding("", ""), "DSSEv1 0  0 ");
  // Lengths are bytes, not characters.
  EXPECT_EQ(preAuthEncoding("t", "\xc3\xa9"), "DSSEv1 1 t 2 \xc3\xa9");
}

TEST(PreAuthEncoding, DiffersWhenOnlyTheTypeDiffers) {
  EXPECT_NE(preAuthEncoding("a b", "c"), preAuthEncoding("a", "b c"));
}

TEST(Envelope, ParsesAndRoundTrips) {
  auto e = parseEnvelope(envelope(R"([{"keyid":")" + kKeyId + R"(","sig":")" + kSig + R"("}])"));
  ASSERT_TRUE(e.has_value()) << e.error().message;
  EXPECT_EQ(e->payload, "{}");
  ASSERT_EQ(e->signatures.size(), 1u);
  EXPECT_EQ(e->signatures[0].signature, std::string(64, 's'));
  auto again = parseEnvelope(serializeEnvelope(*e));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->signatures[0].keyId, kKeyId);
}

TEST(Envelope, UnsignedIsUnprocessable) {
  for (const char* sigs : {"[]", "null"}) {
    auto e = parseEnvelope(envelope(sigs));
    ASSERT_FALSE(e.has_value());
    EXPECT_EQ(e.error().code, "unsigned") << sigs;
  }
}

TEST(Envelope, RejectsMalformedSignaturesAndFields) {
  struct Case {
    std::string body;
    std::string code;
  };
  std::vector<Case> cases = {
      {envelope(R"([{"keyid":")" + kKeyId + R"(","sig":"AAAA"}])"), "signature_malformed"},
      {envelope(R"([{"keyid":")" + kKeyId + R"(","sig":"not base64!"}])"), "signature_malformed"},
      {envelope(R"([{"keyid":"ABC","sig":")" + kSig + R"("}])"), "envelope_invalid"},
      {envelope(R"([{"keyid":")" + std::string(64, 'A') + R"(","sig":")" + kSig + R"("}])"),
       "envelope_invalid"},
      {envelope(R"([{"keyid":")" + kKeyId + R"(","sig":")" + kSig + R"(","x":1}])"),
       "envelope_invalid"},
      {envelope(R"([{"keyid":")" + kKeyId + R"(","sig":")" + kSig + R"("},{"keyid":")" + kKeyId +
                R"(","sig":")" + kSig + R"("}])"),
       "envelope_invalid"},
      {envelope("[]", R"(,"extra":1)"), "envelope_invalid"},
      {R"({"payloadType":"t","payload":"","signatures":[]})", "envelope_invalid"},
      {R"({"payloadType":"t","payloadType":"u","payload":"e30=","signatures":[]})", "invalid_json"},
      {"not json", "invalid_json"},
  };
  for (const auto& c : cases) {
    auto e = parseEnvelope(c.body);
    ASSERT_FALSE(e.has_value()) << c.body;
    EXPECT_EQ(e.error().code, c.code) << c.body << " -> " << e.error().message;
  }
}

}  // namespace
}  // namespace stele::images
