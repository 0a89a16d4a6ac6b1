// API tokens: issued once in clear, stored only as a SHA-256 hash, looked up by that hash.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/authorization.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/random.h"
#include "store/token_repository.h"

namespace stele::api {

struct IssuedToken {
  store::TokenRecord record;
  std::string secret;  // shown once, never stored
};

class TokenService {
 public:
  TokenService(store::TokenRepository& tokens, const Clock& clock, Random& random)
      : tokens_(tokens), clock_(clock), random_(random) {}

  Result<IssuedToken> issue(Role role, std::vector<std::string> namePatterns,
                            const std::string& description);
  // From an "Authorization: Bearer <token>" header value. Unauthenticated when missing,
  // malformed, unknown or revoked; the message never echoes the token.
  Result<Principal> authenticate(const std::optional<std::string>& authorizationHeader);
  Result<std::vector<store::TokenRecord>> list() { return tokens_.list(); }
  Result<void> revoke(const std::string& id) { return tokens_.revoke(id, clock_.nowUnix()); }
  Result<bool> empty();

 private:
  store::TokenRepository& tokens_;
  const Clock& clock_;
  Random& random_;
};

}  // namespace stele::api
