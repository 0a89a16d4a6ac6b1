// The trust store: which Ed25519 keys may sign which images, and when.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "store/key_repository.h"

namespace stele::images {

struct AddKeyRequest {
  std::string publicKeyPem;
  std::vector<std::string> namePatterns;  // empty means "*"
  std::optional<std::int64_t> notBefore;
  std::optional<std::int64_t> notAfter;
  std::string comment;
};

struct AddKeyResult {
  store::SigningKeyRecord key;
  bool created = false;  // false: the same key with the same terms was there already
};

class TrustStore {
 public:
  TrustStore(store::KeyRepository& keys, const Clock& clock) : keys_(keys), clock_(clock) {}

  Result<AddKeyResult> add(const AddKeyRequest& request);
  Result<std::vector<store::SigningKeyRecord>> list();
  Result<store::SigningKeyRecord> find(const std::string& id);
  Result<store::SigningKeyRecord> retire(const std::string& id);
  Result<store::SigningKeyRecord> revoke(const std::string& id);

 private:
  store::KeyRepository& keys_;
  const Clock& clock_;
};

}  // namespace stele::images
