#include "store/migrations.h"

namespace stele::store {

const std::vector<std::string_view>& migrations() {
  static const std::vector<std::string_view> all = {
      // 1: tokens, trust store, uploads, image versions.
      R"sql(
CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  secret_hash TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('admin', 'deployer', 'pusher', 'viewer')),
  name_patterns TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE TABLE signing_keys (
  id TEXT PRIMARY KEY,
  public_key BLOB NOT NULL,
  name_patterns TEXT NOT NULL,
  comment TEXT NOT NULL DEFAULT '',
  not_before INTEGER,
  not_after INTEGER,
  added_at INTEGER NOT NULL,
  retired_at INTEGER,
  revoked_at INTEGER
);
CREATE TABLE uploads (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  max_bytes INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE image_versions (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  manifest BLOB NOT NULL,
  manifest_digest TEXT NOT NULL,
  payload_type TEXT NOT NULL,
  pushed_at INTEGER NOT NULL,
  pushed_by TEXT NOT NULL,
  deleted_at INTEGER,
  UNIQUE (name, version)
);
CREATE TABLE image_signatures (
  version_id INTEGER NOT NULL REFERENCES image_versions(id) ON DELETE CASCADE,
  key_id TEXT NOT NULL REFERENCES signing_keys(id),
  signature BLOB NOT NULL,
  PRIMARY KEY (version_id, key_id)
);
CREATE TABLE image_blobs (
  version_id INTEGER NOT NULL REFERENCES image_versions(id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  digest TEXT NOT NULL,
  size INTEGER NOT NULL,
  PRIMARY KEY (version_id, role)
);
CREATE INDEX image_blobs_by_digest ON image_blobs(digest);
)sql",
      // 2: the host inventory.
      R"sql(
CREATE TABLE hosts (
  name TEXT PRIMARY KEY,
  uri TEXT NOT NULL,
  accel TEXT NOT NULL CHECK (accel IN ('kvm', 'qemu')),
  labels TEXT NOT NULL DEFAULT '',
  draining INTEGER NOT NULL DEFAULT 0,
  added_at INTEGER NOT NULL
);
)sql",
  };
  return all;
}

}  // namespace stele::store
