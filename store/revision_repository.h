// A deployment's revisions: what each was made of (its template and document as applied, the
// image and its signers), who applied it and why (the change-cause annotation), and how its
// rollout went (outcome, the best progress seen and when, failures of its instances). A
// rollback makes an earlier revision current again: revisions are found by template, so the
// same template is always the same revision. Also the deployment's pause.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "store/database.h"

namespace stele::store {

namespace outcome {
inline constexpr const char* kProgressing = "Progressing";
inline constexpr const char* kComplete = "Complete";      // every replica available
inline constexpr const char* kFailed = "Failed";          // deadline or failures; reason says
inline constexpr const char* kSuperseded = "Superseded";  // another revision applied mid-way
}  // namespace outcome

inline constexpr std::int64_t kNoProgress = -(std::int64_t{1} << 40);

struct RevisionRecord {
  std::string deployment;
  std::int64_t revision = 0;
  std::string templateText;
  std::string document;  // canonical JSON, as applied
  std::string imageName;
  std::string imageVersion;
  std::string imageDigest;
  std::string signerKeys = "[]";  // JSON array of key ids
  std::string appliedBy;
  std::string changeCause;
  std::int64_t createdAtMs = 0;  // when it became current (again)
  std::string outcome = outcome::kProgressing;
  std::string outcomeReason;
  std::int64_t outcomeAtMs = 0;
  std::int64_t bestProgress = kNoProgress;  // the rollout's best score so far
  std::int64_t progressAtMs = 0;            // when it last improved
  std::int64_t failures = 0;                // failed instances of this revision in its rollout
  std::int64_t rollbackOf = 0;              // > 0: this rollout rolls back from that revision
  std::int64_t completedAtMs = 0;           // the last time a rollout of it completed (0: never)
  std::int64_t promotedAtMs = 0;            // Canary: when its canary phase ended (0: not yet)
  // > 0: this rollout is a restart (stele rollout restart): instances of this revision made
  // before it count as old and are replaced.
  std::int64_t restartedAtMs = 0;
};

struct PauseRecord {
  std::string reason;
  std::int64_t sinceMs = 0;
  bool byFailure = false;  // paused by a failed rollout: a new revision lifts it
};

class RevisionRepository {
 public:
  explicit RevisionRepository(Database& db) : db_(db) {}

  // Newest first (by when each became current).
  Result<std::vector<RevisionRecord>> list(const std::string& deployment);
  // Every deployment's, newest first within each, without template and document (both "").
  Result<std::map<std::string, std::vector<RevisionRecord>>> all();
  Result<std::optional<RevisionRecord>> find(const std::string& deployment, std::int64_t revision);
  Result<std::optional<RevisionRecord>> findByTemplate(const std::string& deployment,
                                                       const std::string& templateText);
  Result<std::int64_t> highest(const std::string& deployment);  // 0 when none
  Result<void> put(const RevisionRecord& record);               // insert or replace
  Result<void> setOutcome(const std::string& deployment, std::int64_t revision,
                          const std::string& outcome, const std::string& reason, std::int64_t atMs);
  Result<void> setProgress(const std::string& deployment, std::int64_t revision, std::int64_t best,
                           std::int64_t atMs);
  Result<void> addFailure(const std::string& deployment, std::int64_t revision);
  // Ends a canary phase: promoted at `atMs`, which is also when its deadline starts again.
  Result<void> setPromoted(const std::string& deployment, std::int64_t revision, std::int64_t atMs);
  // Keeps the `keep` newest revisions besides `current`; older ones are deleted (the events
  // keep their story).
  Result<void> prune(const std::string& deployment, std::int64_t current, int keep);
  Result<void> removeAll(const std::string& deployment);

  Result<std::map<std::string, PauseRecord>> pauses();
  Result<void> pause(const std::string& deployment, const PauseRecord& pause);
  Result<bool> resume(const std::string& deployment);  // false when it was not paused
  Result<void> liftFailurePause(const std::string& deployment);

 private:
  Database& db_;
};

}  // namespace stele::store
