#include "common/sha256.h"

#include <gtest/gtest.h>

namespace stele {
namespace {

TEST(Sha256, MatchesKnownVectorsOneShotAndStreaming) {
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256 hasher;
  hasher.update("a");
  hasher.update("bc");
  EXPECT_EQ(digestString(hasher.finish()),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, DigestStringsAreStrictlyLowercaseHex) {
  std::string good = "sha256:" + std::string(64, 'a');
  EXPECT_TRUE(isDigestString(good));
  EXPECT_FALSE(isDigestString("sha256:" + std::string(64, 'A')));
  EXPECT_FALSE(isDigestString("sha256:" + std::string(63, 'a')));
  EXPECT_FALSE(isDigestString("sha512:" + std::string(64, 'a')));
  EXPECT_FALSE(isDigestString("sha256:" + std::string(63, 'a') + "g"));
}

}  // namespace
}  // namespace stele
