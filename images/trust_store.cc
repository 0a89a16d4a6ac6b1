#include "images/trust_store.h"

#include "images/ed25519.h"
#include "images/naming.h"

namespace stele::images {

Result<AddKeyResult> TrustStore::add(const AddKeyRequest& request) {
  auto raw = rawPublicKeyFromPem(request.publicKeyPem);
  if (!raw) return fail(raw.error());
  std::vector<std::string> patterns = request.namePatterns;
  if (patterns.empty()) patterns.push_back("*");
  for (const auto& p : patterns) {
    if (auto r = validateNamePattern(p); !r) return fail(r.error());
  }
  if (request.notBefore && request.notAfter && *request.notAfter <= *request.notBefore) {
    return fail(ErrorKind::InvalidArgument, "validity_invalid", "notAfter must be after notBefore");
  }
  if (request.comment.size() > 256) {
    return fail(ErrorKind::InvalidArgument, "comment_invalid", "comment is longer than 256 bytes");
  }
  store::SigningKeyRecord key{keyIdOf(*raw),     *raw,
                              patterns,          request.comment,
                              request.notBefore, request.notAfter,
                              clock_.nowUnix(),  std::nullopt,
                              std::nullopt};
  auto existing = keys_.find(key.id);
  if (!existing) return fail(existing.error());
  if (existing->has_value()) {
    const auto& old = **existing;
    if (old.namePatterns == key.namePatterns && old.notBefore == key.notBefore &&
        old.notAfter == key.notAfter && !old.revokedAt) {
      return AddKeyResult{old, false};
    }
    return fail(ErrorKind::Conflict, "key_exists",
                "key " + key.id + " is already in the trust store with other terms" +
                    (old.revokedAt ? " and is revoked" : ""));
  }
  if (auto r = keys_.insert(key); !r) return fail(r.error());
  return AddKeyResult{key, true};
}

Result<std::vector<store::SigningKeyRecord>> TrustStore::list() { return keys_.list(); }

Result<store::SigningKeyRecord> TrustStore::find(const std::string& id) {
  auto key = keys_.find(id);
  if (!key) return fail(key.error());
  if (!key->has_value()) return fail(ErrorKind::NotFound, "key_not_found", "no key " + id);
  return **key;
}

Result<store::SigningKeyRecord> TrustStore::retire(const std::string& id) {
  if (auto r = keys_.retire(id, clock_.nowUnix()); !r) return fail(r.error());
  return find(id);
}

Result<store::SigningKeyRecord> TrustStore::revoke(const std::string& id) {
  if (auto r = keys_.revoke(id, clock_.nowUnix()); !r) return fail(r.error());
  return find(id);
}

}  // namespace stele::images
