// Judging a deployment's rollout, a pure function over the current revision's record, its
// history and what the planner counted this pass. A rollout completes when every replica of
// the current revision is available and no older one is left. It fails when its progress
// deadline passes without progress (progress: more new instances available or fewer old ones
// than ever before in this rollout, so a flapping instance does not keep it alive; a canary
// held for analysis or promotion is not judged by the deadline) or when its
// instances have failed `failureLimit` times. A failed rollout rolls back (autoRollback) to the
// newest revision that was fully available, at once; a rollback or a restart that fails, or a
// failure with nothing to roll back to, pauses the deployment instead: a failed revision is
// never retried on its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "scheduler/resources.h"
#include "store/revision_repository.h"

namespace stele::scheduler {

struct RolloutCounts {
  int replicas = 0;
  int currentAvailable = 0;  // instances of the current revision that count as available
  int oldTotal = 0;          // instances of earlier revisions that hold a slot
  bool holding = false;      // a canary phase holds the rollout: no progress deadline
};

struct RolloutChange {
  enum class Kind {
    Progress,  // a better score: the deadline starts again
    Complete,
    Fail,
    Promote,  // the canary phase ends: a rolling update from here, its deadline anew
  } kind = Kind::Progress;
  std::string deployment;
  std::int64_t revision = 0;
  std::int64_t best = 0;        // Progress: the new best score
  std::string reason;           // Complete, Fail, Promote: what happened, in words
  std::int64_t rollbackTo = 0;  // Fail: > 0 rolls back to this revision
  bool pause = false;           // Fail: pauses the deployment
};

struct RolloutJudgement {
  std::optional<RolloutChange> change;
  std::optional<std::int64_t> wakeAtMs;  // when the deadline passes, if nothing changes
};

// `history`: the deployment's revisions, newest first (the current one among them).
RolloutJudgement judgeRollout(const store::RevisionRecord& current,
                              const std::vector<store::RevisionRecord>& history,
                              const RolloutCounts& counts, const DeploymentResource& spec,
                              std::int64_t nowMs, int failureLimit);

}  // namespace stele::scheduler
