#include "store/image_repository.h"

#include "common/crashpoint.h"

namespace stele::store {
namespace {

constexpr std::string_view kSelect =
    "SELECT id, name, version, manifest, manifest_digest, payload_type, pushed_at, pushed_by, "
    "deleted_at FROM image_versions";

ImageVersionRecord fromRow(const Row& row) {
  ImageVersionRecord r;
  r.id = row.integer(0);
  r.name = row.text(1);
  r.version = row.text(2);
  r.manifest = row.text(3);
  r.manifestDigest = row.text(4);
  r.payloadType = row.text(5);
  r.pushedAt = row.integer(6);
  r.pushedBy = row.text(7);
  r.deletedAt = row.optionalInteger(8);
  return r;
}

}  // namespace

Result<InsertOutcome> ImageRepository::insertVersion(const ImageVersionRecord& v) {
  InsertOutcome outcome = InsertOutcome::Inserted;
  auto done = db_.transaction([&](Database& tx) -> Result<void> {
    auto existing = tx.query(
        "SELECT manifest_digest, deleted_at FROM image_versions WHERE name = ? AND version = ?",
        {v.name, v.version});
    if (!existing) return fail(existing.error());
    if (!existing->empty()) {
      const Row& row = existing->front();
      if (!row.isNull(1)) {
        return fail(ErrorKind::Conflict, "version_deleted",
                    v.name + ":" + v.version + " was deleted; a version is never reused");
      }
      if (row.text(0) != v.manifestDigest) {
        return fail(ErrorKind::Conflict, "version_exists",
                    v.name + ":" + v.version + " exists with other bytes (" + row.text(0) +
                        "); versions are immutable, push a new version");
      }
      outcome = InsertOutcome::AlreadyPresent;
      return {};
    }
    auto inserted = tx.query(
        "INSERT INTO image_versions (name, version, manifest, manifest_digest, payload_type, "
        "pushed_at, pushed_by) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        {v.name, v.version, Blob{v.manifest}, v.manifestDigest, v.payloadType, v.pushedAt,
         v.pushedBy});
    if (!inserted) return fail(inserted.error());
    std::int64_t id = inserted->front().integer(0);
    for (const auto& s : v.signatures) {
      auto r = tx.execute(
          "INSERT INTO image_signatures (version_id, key_id, signature) VALUES (?, ?, ?)",
          {id, s.keyId, Blob{s.signature}});
      if (!r) return fail(r.error());
    }
    crashpoint("manifest-commit");
    for (const auto& b : v.blobs) {
      auto r =
          tx.execute("INSERT INTO image_blobs (version_id, role, digest, size) VALUES (?, ?, ?, ?)",
                     {id, b.role, b.digest, b.size});
      if (!r) return fail(r.error());
    }
    return {};
  });
  if (!done) return fail(done.error());
  return outcome;
}

Result<void> ImageRepository::loadChildren(ImageVersionRecord& record) {
  auto sigs = db_.query(
      "SELECT key_id, signature FROM image_signatures WHERE version_id = ? ORDER BY key_id",
      {record.id});
  if (!sigs) return fail(sigs.error());
  for (const auto& row : *sigs) record.signatures.push_back({row.text(0), row.text(1)});
  auto blobs = db_.query(
      "SELECT role, digest, size FROM image_blobs WHERE version_id = ? ORDER BY role", {record.id});
  if (!blobs) return fail(blobs.error());
  for (const auto& row : *blobs) record.blobs.push_back({row.text(0), row.text(1), row.integer(2)});
  return {};
}

Result<std::optional<ImageVersionRecord>> ImageRepository::findVersion(const std::string& name,
                                                                       const std::string& version) {
  auto rows = db_.query(std::string(kSelect) + " WHERE name = ? AND version = ?", {name, version});
  if (!rows) return fail(rows.error());
  if (rows->empty()) return std::optional<ImageVersionRecord>{};
  ImageVersionRecord record = fromRow(rows->front());
  if (auto r = loadChildren(record); !r) return fail(r.error());
  return std::optional<ImageVersionRecord>(std::move(record));
}

Result<std::vector<ImageVersionRecord>> ImageRepository::listVersions(const std::string& name) {
  auto rows = db_.query(std::string(kSelect) + " WHERE name = ? AND deleted_at IS NULL ORDER BY id",
                        {name});
  if (!rows) return fail(rows.error());
  std::vector<ImageVersionRecord> out;
  for (const auto& row : *rows) {
    ImageVersionRecord record = fromRow(row);
    if (auto r = loadChildren(record); !r) return fail(r.error());
    out.push_back(std::move(record));
  }
  return out;
}

Result<std::vector<ImageSummary>> ImageRepository::listImages() {
  auto rows = db_.query(
      "SELECT name, COUNT(*), MAX(pushed_at), "
      "(SELECT version FROM image_versions l WHERE l.name = v.name AND l.deleted_at IS NULL "
      " ORDER BY l.id DESC LIMIT 1) "
      "FROM image_versions v WHERE deleted_at IS NULL GROUP BY name ORDER BY name");
  if (!rows) return fail(rows.error());
  std::vector<ImageSummary> out;
  for (const auto& row : *rows) {
    out.push_back(ImageSummary{row.text(0), row.integer(1), row.text(3), row.integer(2)});
  }
  return out;
}

Result<void> ImageRepository::markDeleted(const std::string& name, const std::string& version,
                                          std::int64_t now) {
  auto changed = db_.execute(
      "UPDATE image_versions SET deleted_at = ? WHERE name = ? AND version = ? AND deleted_at IS "
      "NULL",
      {now, name, version});
  if (!changed) return fail(changed.error());
  if (*changed == 0) {
    return fail(ErrorKind::NotFound, "version_not_found",
                "no image version " + name + ":" + version);
  }
  return {};
}

}  // namespace stele::store
