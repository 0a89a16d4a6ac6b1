#include "api/token_service.h"

#include "common/sha256.h"
#include "images/naming.h"

namespace stele::api {
namespace {

constexpr std::string_view kTokenPrefix = "stele_";

std::unexpected<Error> unauthenticated(std::string message) {
  return fail(ErrorKind::Unauthenticated, "unauthenticated", std::move(message));
}

}  // namespace

Result<IssuedToken> TokenService::issue(Role role, std::vector<std::string> namePatterns,
                                        const std::string& description) {
  if (namePatterns.empty()) namePatterns.push_back("*");
  for (const auto& p : namePatterns) {
    if (auto r = images::validateNamePattern(p); !r) return fail(r.error());
  }
  if (description.size() > 256) {
    return fail(ErrorKind::InvalidArgument, "description_invalid",
                "description is longer than 256 bytes");
  }
  std::string secret = std::string(kTokenPrefix) + random_.hexBytes(24);
  std::string hash = sha256Hex(secret);
  store::TokenRecord record{"tok_" + hash.substr(0, 16),
                            hash,
                            std::string(roleName(role)),
                            namePatterns,
                            description,
                            clock_.nowUnix(),
                            std::nullopt};
  if (auto r = tokens_.insert(record); !r) return fail(r.error());
  return IssuedToken{record, secret};
}

Result<Principal> TokenService::authenticate(const std::optional<std::string>& header) {
  if (!header) return unauthenticated("missing Authorization: Bearer token");
  constexpr std::string_view kBearer = "Bearer ";
  if (!header->starts_with(kBearer)) {
    return unauthenticated("Authorization header must be \"Bearer <token>\"");
  }
  std::string secret = header->substr(kBearer.size());
  if (!secret.starts_with(kTokenPrefix) || secret.size() != kTokenPrefix.size() + 48) {
    return unauthenticated("malformed token");
  }
  auto record = tokens_.findBySecretHash(sha256Hex(secret));
  if (!record) return fail(record.error());
  if (!record->has_value() || (*record)->revokedAt) {
    return unauthenticated("unknown or revoked token");
  }
  auto role = parseRole((*record)->role);
  if (!role) return fail(ErrorKind::Internal, "token_corrupt", "stored token has an unknown role");
  return Principal{(*record)->id, *role, (*record)->namePatterns};
}

Result<bool> TokenService::empty() {
  auto count = tokens_.count();
  if (!count) return fail(count.error());
  return *count == 0;
}

}  // namespace stele::api
