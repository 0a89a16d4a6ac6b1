#include "scheduler/revision_history.h"

#include <algorithm>

namespace stele::scheduler {

Result<std::int64_t> revisionNumberFor(store::RevisionRepository& revisions,
                                       const std::string& deployment,
                                       const std::string& templateText, std::int64_t current) {
  auto same = revisions.findByTemplate(deployment, templateText);
  if (!same) return fail(same.error());
  if (*same) return (*same)->revision;
  auto highest = revisions.highest(deployment);
  if (!highest) return fail(highest.error());
  return std::max(*highest, current) + 1;
}

void startRollout(store::RevisionRecord& record, std::int64_t nowMs) {
  record.outcome = store::outcome::kProgressing;
  record.outcomeReason.clear();
  record.outcomeAtMs = 0;
  record.bestProgress = store::kNoProgress;
  record.progressAtMs = nowMs;
  record.failures = 0;
}

Result<void> makeCurrent(store::RevisionRepository& revisions, store::RevisionRecord record,
                         std::int64_t previous, int historyLimit, std::int64_t nowMs) {
  if (previous != 0 && previous != record.revision) {
    auto before = revisions.find(record.deployment, previous);
    if (!before) return fail(before.error());
    if (*before && (*before)->outcome == store::outcome::kProgressing) {
      if (auto r = revisions.setOutcome(record.deployment, previous, store::outcome::kSuperseded,
                                        "revision " + std::to_string(record.revision) +
                                            " was applied before its rollout ended",
                                        nowMs);
          !r) {
        return r;
      }
    }
  }
  record.createdAtMs = nowMs;
  startRollout(record, nowMs);
  record.restartedAtMs = 0;
  if (auto r = revisions.put(record); !r) return r;
  if (auto r = revisions.liftFailurePause(record.deployment); !r) return r;
  return revisions.prune(record.deployment, record.revision, historyLimit);
}

}  // namespace stele::scheduler
