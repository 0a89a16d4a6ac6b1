#include "images/trust_policy.h"

#include "images/naming.h"

namespace stele::images {
namespace {

std::unexpected<Error> untrusted(std::string code, const store::SigningKeyRecord& key,
                                 const std::string& why) {
  return fail(ErrorKind::Unprocessable, std::move(code), "signing key " + key.id + " " + why);
}

}  // namespace

Result<void> checkSigningKey(const store::SigningKeyRecord& key, std::string_view imageName,
                             std::int64_t now, KeyUse use) {
  if (key.revokedAt) return untrusted("key_revoked", key, "is revoked");
  bool allowed = false;
  for (const auto& pattern : key.namePatterns)
    allowed = allowed || matchesPattern(pattern, imageName);
  if (!allowed) {
    return untrusted("key_not_allowed", key,
                     "may not sign images named \"" + std::string(imageName) + "\"");
  }
  if (use == KeyUse::ExistingSignature) return {};
  if (key.retiredAt) return untrusted("key_retired", key, "is retired: it signs no new versions");
  if (key.notBefore && now < *key.notBefore) {
    return untrusted("key_not_yet_valid", key,
                     "is not valid before " + std::to_string(*key.notBefore) + " (unix time)");
  }
  if (key.notAfter && now > *key.notAfter) {
    return untrusted("key_expired", key,
                     "expired at " + std::to_string(*key.notAfter) + " (unix time)");
  }
  return {};
}

}  // namespace stele::images
