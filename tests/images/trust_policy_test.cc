#include "images/trust_policy.h"

#include <gtest/gtest.h>

namespace stele::images {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;

store::SigningKeyRecord key() {
  store::SigningKeyRecord k;
  k.id = "k1";
  k.namePatterns = {"web*", "dns"};
  return k;
}

struct Case {
  const char* what;
  std::function<void(store::SigningKeyRecord&)> change;
  std::string image;
  KeyUse use;
  std::string expected;  // "" = allowed, else the error code
};

TEST(TrustPolicy, DecidesEveryKeyStateForPushAndDeploy) {
  std::vector<Case> cases = {
      {"active key, allowed name", [](auto&) {}, "web", KeyUse::NewSignature, ""},
      {"pattern match", [](auto&) {}, "web-edge", KeyUse::NewSignature, ""},
      {"exact pattern", [](auto&) {}, "dns", KeyUse::NewSignature, ""},
      {"name outside patterns", [](auto&) {}, "router", KeyUse::NewSignature, "key_not_allowed"},
      {"revoked, push", [](auto& k) { k.revokedAt = kNow - 1; }, "web", KeyUse::NewSignature,
       "key_revoked"},
      {"revoked, deploy", [](auto& k) { k.revokedAt = kNow - 1; }, "web", KeyUse::ExistingSignature,
       "key_revoked"},
      {"retired, push", [](auto& k) { k.retiredAt = kNow - 1; }, "web", KeyUse::NewSignature,
       "key_retired"},
      {"retired, deploy", [](auto& k) { k.retiredAt = kNow - 1; }, "web", KeyUse::ExistingSignature,
       ""},
      {"expired, push", [](auto& k) { k.notAfter = kNow - 1; }, "web", KeyUse::NewSignature,
       "key_expired"},
      {"expired, deploy", [](auto& k) { k.notAfter = kNow - 1; }, "web", KeyUse::ExistingSignature,
       ""},
      {"not yet valid, push", [](auto& k) { k.notBefore = kNow + 1; }, "web", KeyUse::NewSignature,
       "key_not_yet_valid"},
      {"inside window",
       [](auto& k) {
         k.notBefore = kNow - 1;
         k.notAfter = kNow + 1;
       },
       "web", KeyUse::NewSignature, ""},
      {"window edges are inclusive",
       [](auto& k) {
         k.notBefore = kNow;
         k.notAfter = kNow;
       },
       "web", KeyUse::NewSignature, ""},
      {"revoked beats retired",
       [](auto& k) {
         k.retiredAt = 1;
         k.revokedAt = 2;
       },
       "web", KeyUse::NewSignature, "key_revoked"},
  };
  for (const auto& c : cases) {
    store::SigningKeyRecord k = key();
    c.change(k);
    auto r = checkSigningKey(k, c.image, kNow, c.use);
    if (c.expected.empty()) {
      EXPECT_TRUE(r.has_value()) << c.what << ": " << r.error().message;
    } else {
      ASSERT_FALSE(r.has_value()) << c.what;
      EXPECT_EQ(r.error().code, c.expected) << c.what;
      EXPECT_EQ(r.error().kind, ErrorKind::Unprocessable) << c.what;
    }
  }
}

}  // namespace
}  // namespace stele::images
