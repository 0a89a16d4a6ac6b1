// A deployment's revisions as apply, rollback and undo change them (store/revision_repository.h
// holds them). Same template, same revision: a rollback or a re-apply of an earlier spec makes
// that revision current again, so its instances still running are kept.
#pragma once

#include <cstdint>
#include <string>

#include "store/revision_repository.h"

namespace stele::scheduler {

inline constexpr const char* kChangeCauseAnnotation = "stele.dev/change-cause";

// The number a deployment's template gets: the revision that had this template, else one
// past both the highest stored and `current`.
Result<std::int64_t> revisionNumberFor(store::RevisionRepository& revisions,
                                       const std::string& deployment,
                                       const std::string& templateText, std::int64_t current);

// A rollout of `record` starts now: Progressing, no progress yet, no failure.
void startRollout(store::RevisionRecord& record, std::int64_t nowMs);

// Makes `record` the deployment's current revision, its rollout starting now: the revision it
// replaces (`previous`), if still progressing, is Superseded; a pause that a failed rollout
// made is lifted (one the user made stays); the history is pruned to `historyLimit`
// revisions besides the current one.
Result<void> makeCurrent(store::RevisionRepository& revisions, store::RevisionRecord record,
                         std::int64_t previous, int historyLimit, std::int64_t nowMs);

}  // namespace stele::scheduler
