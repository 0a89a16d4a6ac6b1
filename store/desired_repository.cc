#include "store/desired_repository.h"

namespace stele::store {
namespace {

constexpr std::string_view kSelect =
    "SELECT kind, name, document, generation, revision, template, image_name, image_version, "
    "applied_by, created_at, "
    "updated_at FROM desired_objects";

std::optional<std::string> optionalText(const Row& row, std::size_t i) {
  if (row.isNull(i)) return std::nullopt;
  return row.text(i);
}

DesiredObjectRecord fromRow(const Row& row) {
  return DesiredObjectRecord{row.text(0),          row.text(1),          row.text(2),
                             row.integer(3),       row.integer(4),       row.text(5),
                             optionalText(row, 6), optionalText(row, 7), row.text(8),
                             row.integer(9),       row.integer(10)};
}

Value optionalValue(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  return *text;
}

}  // namespace

Result<std::optional<DesiredObjectRecord>> DesiredRepository::find(const std::string& kind,
                                                                   const std::string& name) {
  auto rows = db_.query(std::string(kSelect) + " WHERE kind = ? AND name = ?", {kind, name});
  if (!rows) return fail(rows.error());
  if (rows->empty()) return std::optional<DesiredObjectRecord>{};
  return std::optional<DesiredObjectRecord>(fromRow(rows->front()));
}

Result<std::vector<DesiredObjectRecord>> DesiredRepository::list(const std::string& kind) {
  auto rows = kind.empty()
                  ? db_.query(std::string(kSelect) + " ORDER BY kind, name")
                  : db_.query(std::string(kSelect) + " WHERE kind = ? ORDER BY name", {kind});
  if (!rows) return fail(rows.error());
  std::vector<DesiredObjectRecord> out;
  for (const auto& row : *rows) out.push_back(fromRow(row));
  return out;
}

Result<void> DesiredRepository::put(const DesiredObjectRecord& r) {
  auto done = db_.execute(
      "INSERT INTO desired_objects (kind, name, document, generation, revision, template, "
      "image_name, image_version, applied_by, created_at, updated_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (kind, name) DO UPDATE SET document = excluded.document, "
      "generation = excluded.generation, revision = excluded.revision, "
      "template = excluded.template, image_name = excluded.image_name, "
      "image_version = excluded.image_version, applied_by = excluded.applied_by, "
      "updated_at = excluded.updated_at",
      {r.kind, r.name, r.document, r.generation, r.revision, r.templateText,
       optionalValue(r.imageName), optionalValue(r.imageVersion), r.appliedBy, r.createdAt,
       r.updatedAt});
  if (!done) return fail(done.error());
  return {};
}

Result<void> DesiredRepository::remove(const std::string& kind, const std::string& name) {
  auto changed =
      db_.execute("DELETE FROM desired_objects WHERE kind = ? AND name = ?", {kind, name});
  if (!changed) return fail(changed.error());
  if (*changed == 0) {
    std::string lower = kind == "Network" ? "network" : "deployment";
    return fail(ErrorKind::NotFound, lower + "_not_found", "no " + lower + " named " + name);
  }
  return {};
}

Result<std::vector<std::string>> DesiredRepository::deploymentsUsing(
    const std::string& imageName, const std::string& imageVersion) {
  auto rows = db_.query(
      "SELECT name FROM desired_objects WHERE kind = 'Deployment' AND image_name = ? AND "
      "image_version = ? ORDER BY name",
      {imageName, imageVersion});
  if (!rows) return fail(rows.error());
  std::vector<std::string> out;
  for (const auto& row : *rows) out.push_back(row.text(0));
  return out;
}

}  // namespace stele::store
