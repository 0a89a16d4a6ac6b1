#include "common/encoding.h"

#include <gtest/gtest.h>

namespace stele {
namespace {

TEST(Base64, RoundTripsEveryLengthModuloThree) {
  for (std::string text : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    auto decoded = base64Decode(base64Encode(text));
    ASSERT_TRUE(decoded.has_value()) << text;
    EXPECT_EQ(*decoded, text);
  }
  EXPECT_EQ(base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64Encode("fo"), "Zm8=");
}

TEST(Base64, RejectsNonCanonicalInput) {
  EXPECT_FALSE(base64Decode("Zm8").has_value());    // missing padding
  EXPECT_FALSE(base64Decode("Zm9=").has_value());   // stray bits under the padding
  EXPECT_FALSE(base64Decode("Zm 8=").has_value());  // whitespace
  EXPECT_FALSE(base64Decode("Z===").has_value());
  EXPECT_FALSE(base64Decode("Zm8=Zm8=").has_value());  // padding in the middle
}

TEST(Hex, DecodesBothCasesAndRejectsOddOrNonHex) {
  EXPECT_EQ(hexDecode("00ffAB"), std::string("\x00\xff\xab", 3));
  EXPECT_FALSE(hexDecode("abc").has_value());
  EXPECT_FALSE(hexDecode("zz").has_value());
  EXPECT_EQ(hexEncode(std::string("\x01\xfe", 2)), "01fe");
}

TEST(Utf8, AcceptsWellFormedAndRejectsBrokenSequences) {
  EXPECT_TRUE(isValidUtf8("plain ascii"));
  EXPECT_TRUE(isValidUtf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_FALSE(isValidUtf8("\xc3"));              // truncated
  EXPECT_FALSE(isValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(isValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(isValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(isValidUtf8("\xff"));
  EXPECT_FALSE(isValidUtf8("ab\x80"));  // lone continuation byte
}

}  // namespace
}  // namespace stele
