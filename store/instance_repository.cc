#include "store/instance_repository.h"

namespace stele::store {
namespace {

constexpr std::string_view kSelect =
    "SELECT id, deployment, ordinal, revision, host, image_version, image_digest, signer_keys, "
    "addresses, state, state_since, reason, restarts, last_probe, created_at FROM instances";

InstanceRecord fromRow(const Row& r) {
  return InstanceRecord{r.text(0),     r.text(1),  r.integer(2),  r.integer(3), r.text(4),
                        r.text(5),     r.text(6),  r.text(7),     r.text(8),    r.text(9),
                        r.integer(10), r.text(11), r.integer(12), r.text(13),   r.integer(14)};
}

std::unexpected<Error> noInstance(const std::string& id) {
  return fail(ErrorKind::NotFound, "instance_not_found", "no instance " + id);
}

Result<void> expectOne(const Result<std::int64_t>& changed, const std::string& id) {
  if (!changed) return fail(changed.error());
  if (*changed == 0) return noInstance(id);
  return {};
}

}  // namespace

Result<void> InstanceRepository::insert(const InstanceRecord& i) {
  auto done = db_.execute(
      "INSERT INTO instances (id, deployment, ordinal, revision, host, image_version, "
      "image_digest, signer_keys, addresses, state, state_since, reason, restarts, last_probe, "
      "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {i.id, i.deployment, i.ordinal, i.revision, i.host, i.imageVersion, i.imageDigest,
       i.signerKeys, i.addresses, i.state, i.stateSinceMs, i.reason, i.restarts, i.lastProbe,
       i.createdAtMs});
  if (!done) return fail(done.error());
  auto added = db_.execute(
      "INSERT INTO instance_history (instance_id, at, state, reason) VALUES (?, ?, ?, ?)",
      {i.id, i.stateSinceMs, i.state, i.reason});
  if (!added) return fail(added.error());
  return {};
}

Result<std::optional<InstanceRecord>> InstanceRepository::find(const std::string& id) {
  auto rows = db_.query(std::string(kSelect) + " WHERE id = ?", {id});
  if (!rows) return fail(rows.error());
  if (rows->empty()) return std::optional<InstanceRecord>{};
  return std::optional<InstanceRecord>(fromRow(rows->front()));
}

Result<std::vector<InstanceRecord>> InstanceRepository::list(const std::string& deployment) {
  auto rows = deployment.empty()
                  ? db_.query(std::string(kSelect) + " ORDER BY deployment, ordinal, id")
                  : db_.query(std::string(kSelect) + " WHERE deployment = ? ORDER BY ordinal, id",
                              {deployment});
  if (!rows) return fail(rows.error());
  std::vector<InstanceRecord> out;
  for (const auto& row : *rows) out.push_back(fromRow(row));
  return out;
}

Result<void> InstanceRepository::setState(const std::string& id, const std::string& state,
                                          const std::string& reason, std::int64_t atMs) {
  if (auto r = expectOne(db_.execute("UPDATE instances SET state = ?, reason = ?, state_since = ? "
                                     "WHERE id = ?",
                                     {state, reason, atMs, id}),
                         id);
      !r) {
    return r;
  }
  auto added = db_.execute(
      "INSERT INTO instance_history (instance_id, at, state, reason) VALUES (?, ?, ?, ?)",
      {id, atMs, state, reason});
  if (!added) return fail(added.error());
  return {};
}

Result<void> InstanceRepository::setRestarts(const std::string& id, std::int64_t restarts) {
  return expectOne(db_.execute("UPDATE instances SET restarts = ? WHERE id = ?", {restarts, id}),
                   id);
}

Result<void> InstanceRepository::setLastProbe(const std::string& id, const std::string& json) {
  return expectOne(db_.execute("UPDATE instances SET last_probe = ? WHERE id = ?", {json, id}), id);
}

Result<void> InstanceRepository::remove(const std::string& id) {
  if (auto r = expectOne(db_.execute("DELETE FROM instances WHERE id = ?", {id}), id); !r) return r;
  auto removed = db_.execute("DELETE FROM instance_history WHERE instance_id = ?", {id});
  if (!removed) return fail(removed.error());
  return {};
}

Result<void> InstanceRepository::removeInState(const std::string& deployment, std::int64_t ordinal,
                                               const std::string& state) {
  const std::vector<Value> slot = {deployment, ordinal, state};
  auto history = db_.execute(
      "DELETE FROM instance_history WHERE instance_id IN "
      "(SELECT id FROM instances WHERE deployment = ? AND ordinal = ? AND state = ?)",
      slot);
  if (!history) return fail(history.error());
  auto removed =
      db_.execute("DELETE FROM instances WHERE deployment = ? AND ordinal = ? AND state = ?", slot);
  if (!removed) return fail(removed.error());
  return {};
}

Result<std::vector<InstanceStateChange>> InstanceRepository::history(const std::string& id,
                                                                     std::size_t limit) {
  auto rows = db_.query(
      "SELECT at, state, reason FROM (SELECT id, at, state, reason FROM instance_history "
      "WHERE instance_id = ? ORDER BY id DESC LIMIT ?) ORDER BY id",
      {id, static_cast<std::int64_t>(limit)});
  if (!rows) return fail(rows.error());
  std::vector<InstanceStateChange> out;
  for (const auto& r : *rows) out.push_back({r.integer(0), r.text(1), r.text(2)});
  return out;
}

Result<std::int64_t> InstanceRepository::beginOperation(const std::string& action,
                                                        const std::string& instanceId,
                                                        const std::string& host,
                                                        std::int64_t atMs) {
  auto rows = db_.query(
      "INSERT INTO operations (action, instance_id, host, started_at) VALUES (?, ?, ?, ?) "
      "RETURNING id",
      {action, instanceId, host, atMs});
  if (!rows) return fail(rows.error());
  return rows->front().integer(0);
}

Result<void> InstanceRepository::finishOperation(std::int64_t id, const std::string& outcome,
                                                 std::int64_t atMs) {
  auto changed = db_.execute("UPDATE operations SET finished_at = ?, outcome = ? WHERE id = ?",
                             {atMs, outcome, id});
  if (!changed) return fail(changed.error());
  // Keep the log bounded: finished operations older than the newest 10,000 go.
  auto trimmed =
      db_.execute("DELETE FROM operations WHERE finished_at IS NOT NULL AND id <= ? - 10000", {id});
  if (!trimmed) return fail(trimmed.error());
  return {};
}

Result<std::set<std::string>> InstanceRepository::provisionedIds() {
  auto rows = db_.query("SELECT DISTINCT instance_id FROM operations WHERE action = 'provision'");
  if (!rows) return fail(rows.error());
  std::set<std::string> out;
  for (const auto& r : *rows) out.insert(r.text(0));
  return out;
}

Result<std::vector<OperationRecord>> InstanceRepository::openOperations() {
  auto rows = db_.query(
      "SELECT id, action, instance_id, host, started_at FROM operations "
      "WHERE finished_at IS NULL ORDER BY id");
  if (!rows) return fail(rows.error());
  std::vector<OperationRecord> out;
  for (const auto& r : *rows) {
    out.push_back({r.integer(0), r.text(1), r.text(2), r.text(3), r.integer(4), std::nullopt, ""});
  }
  return out;
}

}  // namespace stele::store
