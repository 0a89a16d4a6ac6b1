#include "scheduler/rollout_progress.h"

namespace stele::scheduler {
namespace {

std::string counted(const RolloutCounts& c) {
  return std::to_string(c.currentAvailable) + "/" + std::to_string(c.replicas) + " available, " +
         std::to_string(c.oldTotal) + " of older revisions left";
}

// The newest revision other than `current` that was fully available once and whose last
// rollout did not fail.
std::int64_t rollbackTarget(const store::RevisionRecord& current,
                            const std::vector<store::RevisionRecord>& history) {
  for (const auto& r : history) {
    if (r.revision != current.revision && r.completedAtMs > 0 &&
        r.outcome != store::outcome::kFailed) {
      return r.revision;
    }
  }
  return 0;
}

}  // namespace

RolloutJudgement judgeRollout(const store::RevisionRecord& current,
                              const std::vector<store::RevisionRecord>& history,
                              const RolloutCounts& counts, const DeploymentResource& spec,
                              std::int64_t nowMs, int failureLimit) {
  RolloutJudgement out;
  if (current.outcome != store::outcome::kProgressing) return out;
  RolloutChange change;
  change.deployment = current.deployment;
  change.revision = current.revision;
  if (counts.oldTotal == 0 && counts.currentAvailable >= counts.replicas) {
    change.kind = RolloutChange::Kind::Complete;
    change.reason = "revision " + std::to_string(current.revision) + ": " + counted(counts);
    out.change = change;
    return out;
  }
  std::string why;
  if (current.failures >= failureLimit) {
    why = std::to_string(current.failures) + " instances of revision " +
          std::to_string(current.revision) +
          " failed (crashed, stopped or failed their health "
          "check)";
  } else {
    const std::int64_t score = counts.currentAvailable - counts.oldTotal;
    if (score > current.bestProgress) {
      change.kind = RolloutChange::Kind::Progress;
      change.best = score;
      out.change = change;
      out.wakeAtMs = nowMs + spec.progressDeadlineMs;
      return out;
    }
    const std::int64_t deadline = current.progressAtMs + spec.progressDeadlineMs;
    if (counts.holding) return out;
    if (nowMs < deadline) {
      out.wakeAtMs = deadline;
      return out;
    }
    why = "no progress for " + std::to_string((nowMs - current.progressAtMs) / 1000) +
          " s (progressDeadlineMs " + std::to_string(spec.progressDeadlineMs) +
          "): " + counted(counts);
  }
  change.kind = RolloutChange::Kind::Fail;
  if (current.restartedAtMs > 0) {
    change.reason = "the restart of revision " + std::to_string(current.revision) +
                    " failed: " + why + "; the deployment is paused";
    change.pause = true;
  } else if (current.rollbackOf > 0) {
    change.reason = "the rollback from revision " + std::to_string(current.rollbackOf) +
                    " failed too: " + why + "; the deployment is paused";
    change.pause = true;
  } else if (!spec.autoRollback) {
    change.reason = why + "; autoRollback is off: the deployment is paused";
    change.pause = true;
  } else if (std::int64_t target = rollbackTarget(current, history); target > 0) {
    change.reason = why + "; rolling back to revision " + std::to_string(target);
    change.rollbackTo = target;
  } else {
    change.reason = why + "; no earlier revision was fully available: the deployment is paused";
    change.pause = true;
  }
  out.change = change;
  return out;
}

}  // namespace stele::scheduler
