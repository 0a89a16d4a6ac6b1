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
      // 3: desired state (networks, deployments), instances, the reconciler's operation log
      // (intent before, outcome after) and events.
      R"sql(
ALTER TABLE hosts ADD COLUMN probe_netns TEXT NOT NULL DEFAULT '';
CREATE TABLE desired_objects (
  kind TEXT NOT NULL CHECK (kind IN ('Network', 'Deployment')),
  name TEXT NOT NULL,
  document TEXT NOT NULL,
  generation INTEGER NOT NULL,
  revision INTEGER NOT NULL DEFAULT 0,
  template TEXT NOT NULL DEFAULT '',
  image_name TEXT,
  image_version TEXT,
  applied_by TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (kind, name)
);
CREATE INDEX desired_objects_by_image ON desired_objects(image_name, image_version);
CREATE TABLE instances (
  id TEXT PRIMARY KEY,
  deployment TEXT NOT NULL,
  ordinal INTEGER NOT NULL,
  revision INTEGER NOT NULL,
  host TEXT NOT NULL,
  image_version TEXT NOT NULL,
  image_digest TEXT NOT NULL,
  signer_keys TEXT NOT NULL DEFAULT '',
  addresses TEXT NOT NULL DEFAULT '{}',
  state TEXT NOT NULL,
  state_since INTEGER NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  restarts INTEGER NOT NULL DEFAULT 0,
  last_probe TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE INDEX instances_by_deployment ON instances(deployment, ordinal);
CREATE TABLE instance_history (
  id INTEGER PRIMARY KEY,
  instance_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  state TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX instance_history_by_instance ON instance_history(instance_id, id);
CREATE TABLE operations (
  id INTEGER PRIMARY KEY,
  action TEXT NOT NULL CHECK (action IN ('provision', 'destroy')),
  instance_id TEXT NOT NULL,
  host TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  outcome TEXT
);
CREATE INDEX operations_open ON operations(finished_at);
CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('Normal', 'Warning')),
  reason TEXT NOT NULL,
  object_kind TEXT NOT NULL DEFAULT '',
  object_name TEXT NOT NULL DEFAULT '',
  deployment TEXT NOT NULL DEFAULT '',
  instance TEXT NOT NULL DEFAULT '',
  message TEXT NOT NULL
);
CREATE INDEX events_by_deployment ON events(deployment, id);
CREATE INDEX events_by_instance ON events(instance, id);
)sql",
      // 4: uploads belong to the token that opened them and expire when idle.
      R"sql(
ALTER TABLE uploads ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE uploads ADD COLUMN last_activity_ms INTEGER NOT NULL DEFAULT 0;
UPDATE uploads SET last_activity_ms = created_at * 1000;
CREATE INDEX uploads_by_owner ON uploads(owner);
CREATE INDEX uploads_by_activity ON uploads(last_activity_ms);
)sql",
      // 5: an upload's length is the one recorded here, not its file's: a chunk is written at
      // the file's end as it arrives and counts once this column says so. NULL (a row from
      // before) means the file's length, which the store writes here when it opens.
      R"sql(
ALTER TABLE uploads ADD COLUMN committed_bytes INTEGER;
)sql",
      // 6: a deployment's revisions (what each was made of, who applied it, how its rollout
      // ended) and its pause. Deployments stored before get their current revision, its
      // rollout to be judged again by the reconciler.
      R"sql(
CREATE TABLE deployment_revisions (
  deployment TEXT NOT NULL,
  revision INTEGER NOT NULL,
  template TEXT NOT NULL,
  document TEXT NOT NULL,
  image_name TEXT NOT NULL DEFAULT '',
  image_version TEXT NOT NULL DEFAULT '',
  image_digest TEXT NOT NULL DEFAULT '',
  signer_keys TEXT NOT NULL DEFAULT '[]',
  applied_by TEXT NOT NULL DEFAULT '',
  change_cause TEXT NOT NULL DEFAULT '',
  created_at_ms INTEGER NOT NULL,
  outcome TEXT NOT NULL DEFAULT 'Progressing',
  outcome_reason TEXT NOT NULL DEFAULT '',
  outcome_at_ms INTEGER NOT NULL DEFAULT 0,
  best_progress INTEGER,
  progress_at_ms INTEGER NOT NULL,
  failures INTEGER NOT NULL DEFAULT 0,
  rollback_of INTEGER NOT NULL DEFAULT 0,
  completed_at_ms INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (deployment, revision)
);
INSERT INTO deployment_revisions (deployment, revision, template, document, image_name,
  image_version, applied_by, created_at_ms, progress_at_ms)
SELECT name, revision, template, document, COALESCE(image_name, ''), COALESCE(image_version, ''),
  applied_by, updated_at, updated_at
FROM desired_objects WHERE kind = 'Deployment';
CREATE TABLE deployment_pauses (
  deployment TEXT PRIMARY KEY,
  reason TEXT NOT NULL,
  since_ms INTEGER NOT NULL,
  by_failure INTEGER NOT NULL DEFAULT 0
);
)sql",
      // 7: when a Canary rollout's canary phase ended (by its analysis or by hand), and when
      // a restart (every instance replaced at the same revision) was asked for.
      R"sql(
ALTER TABLE deployment_revisions ADD COLUMN promoted_at_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deployment_revisions ADD COLUMN restarted_at_ms INTEGER NOT NULL DEFAULT 0;
)sql",
  };
  return all;
}

}  // namespace stele::store
