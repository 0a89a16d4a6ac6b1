#include "store/key_repository.h"

#include "store/pattern_list.h"

namespace stele::store {
namespace {

constexpr std::string_view kSelect =
    "SELECT id, public_key, name_patterns, comment, not_before, not_after, added_at, retired_at, "
    "revoked_at FROM signing_keys";

Value optionalValue(const std::optional<std::int64_t>& v) {
  if (v) return *v;
  return nullptr;
}

SigningKeyRecord fromRow(const Row& row) {
  return SigningKeyRecord{row.text(0),
                          row.text(1),
                          splitPatterns(row.text(2)),
                          row.text(3),
                          row.optionalInteger(4),
                          row.optionalInteger(5),
                          row.integer(6),
                          row.optionalInteger(7),
                          row.optionalInteger(8)};
}

}  // namespace

Result<void> KeyRepository::insert(const SigningKeyRecord& k) {
  auto r = db_.execute(
      "INSERT INTO signing_keys (id, public_key, name_patterns, comment, not_before, not_after, "
      "added_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      {k.id, Blob{k.publicKey}, joinPatterns(k.namePatterns), k.comment, optionalValue(k.notBefore),
       optionalValue(k.notAfter), k.addedAt});
  if (!r) {
    if (r.error().kind == ErrorKind::Conflict) {
      return fail(ErrorKind::Conflict, "key_exists",
                  "key " + k.id + " is already in the trust store");
    }
    return fail(r.error());
  }
  return {};
}

Result<std::optional<SigningKeyRecord>> KeyRepository::find(const std::string& id) {
  auto rows = db_.query(std::string(kSelect) + " WHERE id = ?", {id});
  if (!rows) return fail(rows.error());
  if (rows->empty()) return std::optional<SigningKeyRecord>{};
  return std::optional<SigningKeyRecord>(fromRow(rows->front()));
}

Result<std::vector<SigningKeyRecord>> KeyRepository::list() {
  auto rows = db_.query(std::string(kSelect) + " ORDER BY added_at, id");
  if (!rows) return fail(rows.error());
  std::vector<SigningKeyRecord> out;
  for (const auto& row : *rows) out.push_back(fromRow(row));
  return out;
}

Result<void> KeyRepository::retire(const std::string& id, std::int64_t now) {
  return stamp("retired_at", id, now);
}

Result<void> KeyRepository::revoke(const std::string& id, std::int64_t now) {
  return stamp("revoked_at", id, now);
}

Result<void> KeyRepository::stamp(std::string_view column, const std::string& id,
                                  std::int64_t now) {
  // `column` is one of two constants above, never user input.
  std::string sql = "UPDATE signing_keys SET " + std::string(column) + " = COALESCE(" +
                    std::string(column) + ", ?) WHERE id = ?";
  auto changed = db_.execute(sql, {now, id});
  if (!changed) return fail(changed.error());
  if (*changed == 0) return fail(ErrorKind::NotFound, "key_not_found", "no key " + id);
  return {};
}

}  // namespace stele::store
