#include "store/revision_repository.h"

namespace stele::store {
namespace {

constexpr std::string_view kSelect =
    "SELECT deployment, revision, template, document, image_name, image_version, image_digest, "
    "signer_keys, applied_by, change_cause, created_at_ms, outcome, outcome_reason, "
    "outcome_at_ms, best_progress, progress_at_ms, failures, rollback_of, completed_at_ms, "
    "promoted_at_ms, restarted_at_ms FROM deployment_revisions";
// The same columns without the template and the document (read as ""): the reconciler reads
// every deployment's revisions on every pass and needs neither.
constexpr std::string_view kSelectSummaries =
    "SELECT deployment, revision, '', '', image_name, image_version, image_digest, "
    "signer_keys, applied_by, change_cause, created_at_ms, outcome, outcome_reason, "
    "outcome_at_ms, best_progress, progress_at_ms, failures, rollback_of, completed_at_ms, "
    "promoted_at_ms, restarted_at_ms FROM deployment_revisions";
constexpr std::string_view kNewestFirst = " ORDER BY deployment, created_at_ms DESC, revision DESC";

RevisionRecord fromRow(const Row& row) {
  RevisionRecord r;
  r.deployment = row.text(0);
  r.revision = row.integer(1);
  r.templateText = row.text(2);
  r.document = row.text(3);
  r.imageName = row.text(4);
  r.imageVersion = row.text(5);
  r.imageDigest = row.text(6);
  r.signerKeys = row.text(7);
  r.appliedBy = row.text(8);
  r.changeCause = row.text(9);
  r.createdAtMs = row.integer(10);
  r.outcome = row.text(11);
  r.outcomeReason = row.text(12);
  r.outcomeAtMs = row.integer(13);
  r.bestProgress = row.optionalInteger(14).value_or(kNoProgress);
  r.progressAtMs = row.integer(15);
  r.failures = row.integer(16);
  r.rollbackOf = row.integer(17);
  r.completedAtMs = row.integer(18);
  r.promotedAtMs = row.integer(19);
  r.restartedAtMs = row.integer(20);
  return r;
}

Result<std::vector<RevisionRecord>> rowsOf(Result<std::vector<Row>> rows) {
  if (!rows) return fail(rows.error());
  std::vector<RevisionRecord> out;
  out.reserve(rows->size());
  for (const auto& row : *rows) out.push_back(fromRow(row));
  return out;
}

Result<std::optional<RevisionRecord>> first(Result<std::vector<RevisionRecord>> rows) {
  if (!rows) return fail(rows.error());
  if (rows->empty()) return std::optional<RevisionRecord>{};
  return std::optional<RevisionRecord>(std::move(rows->front()));
}

Result<void> done(Result<std::int64_t> changed) {
  if (!changed) return fail(changed.error());
  return {};
}

}  // namespace

Result<std::vector<RevisionRecord>> RevisionRepository::list(const std::string& deployment) {
  return rowsOf(db_.query(
      std::string(kSelect) + " WHERE deployment = ?" + std::string(kNewestFirst), {deployment}));
}

Result<std::map<std::string, std::vector<RevisionRecord>>> RevisionRepository::all() {
  auto rows = rowsOf(db_.query(std::string(kSelectSummaries) + std::string(kNewestFirst)));
  if (!rows) return fail(rows.error());
  std::map<std::string, std::vector<RevisionRecord>> out;
  for (auto& r : *rows) out[r.deployment].push_back(std::move(r));
  return out;
}

Result<std::optional<RevisionRecord>> RevisionRepository::find(const std::string& deployment,
                                                               std::int64_t revision) {
  return first(rowsOf(db_.query(std::string(kSelect) + " WHERE deployment = ? AND revision = ?",
                                {deployment, revision})));
}

Result<std::optional<RevisionRecord>> RevisionRepository::findByTemplate(
    const std::string& deployment, const std::string& templateText) {
  return first(rowsOf(db_.query(std::string(kSelect) + " WHERE deployment = ? AND template = ?",
                                {deployment, templateText})));
}

Result<std::int64_t> RevisionRepository::highest(const std::string& deployment) {
  auto rows =
      db_.query("SELECT COALESCE(MAX(revision), 0) FROM deployment_revisions WHERE deployment = ?",
                {deployment});
  if (!rows) return fail(rows.error());
  return rows->front().integer(0);
}

Result<void> RevisionRepository::put(const RevisionRecord& r) {
  return done(db_.execute(
      "INSERT OR REPLACE INTO deployment_revisions (deployment, revision, template, document, "
      "image_name, image_version, image_digest, signer_keys, applied_by, change_cause, "
      "created_at_ms, outcome, outcome_reason, outcome_at_ms, best_progress, progress_at_ms, "
      "failures, rollback_of, completed_at_ms, promoted_at_ms, restarted_at_ms) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {r.deployment,   r.revision,    r.templateText,  r.document,      r.imageName,
       r.imageVersion, r.imageDigest, r.signerKeys,    r.appliedBy,     r.changeCause,
       r.createdAtMs,  r.outcome,     r.outcomeReason, r.outcomeAtMs,   r.bestProgress,
       r.progressAtMs, r.failures,    r.rollbackOf,    r.completedAtMs, r.promotedAtMs,
       r.restartedAtMs}));
}

Result<void> RevisionRepository::setOutcome(const std::string& deployment, std::int64_t revision,
                                            const std::string& outcome, const std::string& reason,
                                            std::int64_t atMs) {
  return done(db_.execute(
      "UPDATE deployment_revisions SET outcome = ?1, outcome_reason = ?2, outcome_at_ms = ?3, "
      "completed_at_ms = CASE WHEN ?1 = 'Complete' THEN ?3 ELSE completed_at_ms END "
      "WHERE deployment = ?4 AND revision = ?5",
      {outcome, reason, atMs, deployment, revision}));
}

Result<void> RevisionRepository::setProgress(const std::string& deployment, std::int64_t revision,
                                             std::int64_t best, std::int64_t atMs) {
  return done(
      db_.execute("UPDATE deployment_revisions SET best_progress = ?, progress_at_ms = ? "
                  "WHERE deployment = ? AND revision = ?",
                  {best, atMs, deployment, revision}));
}

Result<void> RevisionRepository::addFailure(const std::string& deployment, std::int64_t revision) {
  return done(
      db_.execute("UPDATE deployment_revisions SET failures = failures + 1 "
                  "WHERE deployment = ? AND revision = ?",
                  {deployment, revision}));
}

Result<void> RevisionRepository::setPromoted(const std::string& deployment, std::int64_t revision,
                                             std::int64_t atMs) {
  return done(
      db_.execute("UPDATE deployment_revisions SET promoted_at_ms = ?1, progress_at_ms = ?1 "
                  "WHERE deployment = ?2 AND revision = ?3",
                  {atMs, deployment, revision}));
}

Result<void> RevisionRepository::prune(const std::string& deployment, std::int64_t current,
                                       int keep) {
  return done(db_.execute(
      "DELETE FROM deployment_revisions WHERE deployment = ?1 AND revision != ?2 AND revision "
      "NOT IN (SELECT revision FROM deployment_revisions WHERE deployment = ?1 AND revision != "
      "?2 ORDER BY created_at_ms DESC, revision DESC LIMIT ?3)",
      {deployment, current, static_cast<std::int64_t>(keep)}));
}

Result<void> RevisionRepository::removeAll(const std::string& deployment) {
  if (auto r = db_.execute("DELETE FROM deployment_revisions WHERE deployment = ?", {deployment});
      !r) {
    return fail(r.error());
  }
  return done(db_.execute("DELETE FROM deployment_pauses WHERE deployment = ?", {deployment}));
}

Result<void> RevisionRepository::liftFailurePause(const std::string& deployment) {
  return done(db_.execute("DELETE FROM deployment_pauses WHERE deployment = ? AND by_failure = 1",
                          {deployment}));
}

Result<std::map<std::string, PauseRecord>> RevisionRepository::pauses() {
  auto rows = db_.query("SELECT deployment, reason, since_ms, by_failure FROM deployment_pauses");
  if (!rows) return fail(rows.error());
  std::map<std::string, PauseRecord> out;
  for (const auto& row : *rows) {
    out[row.text(0)] = {row.text(1), row.integer(2), row.integer(3) != 0};
  }
  return out;
}

Result<void> RevisionRepository::pause(const std::string& deployment, const PauseRecord& pause) {
  return done(db_.execute(
      "INSERT OR REPLACE INTO deployment_pauses (deployment, reason, since_ms, by_failure) "
      "VALUES (?, ?, ?, ?)",
      {deployment, pause.reason, pause.sinceMs, static_cast<std::int64_t>(pause.byFailure)}));
}

Result<bool> RevisionRepository::resume(const std::string& deployment) {
  auto changed = db_.execute("DELETE FROM deployment_pauses WHERE deployment = ?", {deployment});
  if (!changed) return fail(changed.error());
  return *changed > 0;
}

}  // namespace stele::store
