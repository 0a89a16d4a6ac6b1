#include "store/token_repository.h"

#include "store/pattern_list.h"

namespace stele::store {
namespace {

constexpr std::string_view kColumns =
    "id, secret_hash, role, name_patterns, description, created_at, revoked_at";

TokenRecord fromRow(const Row& row) {
  return TokenRecord{row.text(0), row.text(1),    row.text(2),           splitPatterns(row.text(3)),
                     row.text(4), row.integer(5), row.optionalInteger(6)};
}

}  // namespace

Result<void> TokenRepository::insert(const TokenRecord& t) {
  auto r = db_.execute(
      "INSERT INTO tokens (id, secret_hash, role, name_patterns, description, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?)",
      {t.id, t.secretHash, t.role, joinPatterns(t.namePatterns), t.description, t.createdAt});
  if (!r) return fail(r.error());
  return {};
}

Result<std::optional<TokenRecord>> TokenRepository::findBySecretHash(const std::string& hash) {
  auto rows =
      db_.query("SELECT " + std::string(kColumns) + " FROM tokens WHERE secret_hash = ?", {hash});
  if (!rows) return fail(rows.error());
  if (rows->empty()) return std::optional<TokenRecord>{};
  return std::optional<TokenRecord>(fromRow(rows->front()));
}

Result<std::vector<TokenRecord>> TokenRepository::list() {
  auto rows = db_.query("SELECT " + std::string(kColumns) + " FROM tokens ORDER BY created_at, id");
  if (!rows) return fail(rows.error());
  std::vector<TokenRecord> out;
  for (const auto& row : *rows) out.push_back(fromRow(row));
  return out;
}

Result<void> TokenRepository::revoke(const std::string& id, std::int64_t now) {
  auto changed =
      db_.execute("UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", {now, id});
  if (!changed) return fail(changed.error());
  if (*changed == 0) return fail(ErrorKind::NotFound, "token_not_found", "no token " + id);
  return {};
}

Result<std::int64_t> TokenRepository::count() {
  auto rows = db_.query("SELECT COUNT(*) FROM tokens");
  if (!rows) return fail(rows.error());
  return rows->front().integer(0);
}

}  // namespace stele::store
