// The trust store's rows: Ed25519 public keys and their scope, validity and state.
#pragma once

#include <optional>
#include <vector>

#include "common/error.h"
#include "store/database.h"
#include "store/records.h"

namespace stele::store {

class KeyRepository {
 public:
  explicit KeyRepository(Database& db) : db_(db) {}

  // Conflict when a key with that id exists already.
  Result<void> insert(const SigningKeyRecord& key);
  Result<std::optional<SigningKeyRecord>> find(const std::string& id);
  Result<std::vector<SigningKeyRecord>> list();
  // NotFound when no such key. Retiring or revoking twice keeps the first time.
  Result<void> retire(const std::string& id, std::int64_t now);
  Result<void> revoke(const std::string& id, std::int64_t now);

 private:
  Result<void> stamp(std::string_view column, const std::string& id, std::int64_t now);
  Database& db_;
};

}  // namespace stele::store
