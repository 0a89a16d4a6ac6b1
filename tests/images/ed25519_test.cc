#include "images/ed25519.h"

#include <gtest/gtest.h>

namespace stele::images {
namespace {

TEST(Ed25519, SignatureVerifiesOnlyForTheSameKeyAndBytes) {
  auto pair = generateKeyPair();
  ASSERT_TRUE(pair.has_value());
  auto raw = rawPublicKeyFromPem(pair->publicPem);
  ASSERT_TRUE(raw.has_value());
  EXPECT_EQ(raw->size(), 32u);
  EXPECT_EQ(rawPublicKeyFromPrivatePem(pair->privatePem), *raw);
  auto sig = sign(pair->privatePem, "message");
  ASSERT_TRUE(sig.has_value());
  EXPECT_TRUE(verify(*raw, "message", *sig));
  EXPECT_FALSE(verify(*raw, "messagE", *sig));
  std::string flipped = *sig;
  flipped[10] ^= 1;
  EXPECT_FALSE(verify(*raw, "message", flipped));
  auto other = generateKeyPair();
  auto otherRaw = rawPublicKeyFromPem(other->publicPem);
  EXPECT_FALSE(verify(*otherRaw, "message", *sig));
  EXPECT_FALSE(verify(*raw, "message", sig->substr(0, 63)));
  EXPECT_FALSE(verify(*raw, "message", std::string(64, '\0')));
}

TEST(Ed25519, KeyIdIsSha256OfTheRawKey) {
  std::string raw(32, '\x01');
  EXPECT_EQ(keyIdOf(raw).size(), 64u);
  EXPECT_NE(keyIdOf(raw), keyIdOf(std::string(32, '\x02')));
}

TEST(Ed25519, RejectsNonEd25519AndGarbagePem) {
  EXPECT_FALSE(rawPublicKeyFromPem("not a key").has_value());
  // An EC P-256 public key: right PEM shape, wrong algorithm.
  const char* ecKey =
      "-----BEGIN PUBLIC KEY-----\n"
      "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEVs/o5+uQbTjL3chynL4wXgUg2R9\n"
      "q9UU8I5mEovUf86QZ7kOBIjJwqnzD1omageEHWwHdBO6B+dFabmdT9POxg==\n"
      "-----END PUBLIC KEY-----\n";
  auto r = rawPublicKeyFromPem(ecKey);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("Ed25519"), std::string::npos);
  EXPECT_FALSE(sign("not a key", "m").has_value());
}

}  // namespace
}  // namespace stele::images
