// API tokens: hashes, roles, name scopes.
#pragma once

#include <optional>
#include <vector>

#include "common/error.h"
#include "store/database.h"
#include "store/records.h"

namespace stele::store {

class TokenRepository {
 public:
  explicit TokenRepository(Database& db) : db_(db) {}

  Result<void> insert(const TokenRecord& token);
  Result<std::optional<TokenRecord>> findBySecretHash(const std::string& secretHash);
  Result<std::vector<TokenRecord>> list();
  // NotFound when no such token; revoking twice keeps the first time.
  Result<void> revoke(const std::string& id, std::int64_t now);
  Result<std::int64_t> count();

 private:
  Database& db_;
};

}  // namespace stele::store
