// DesiredState's rollout controls: history, status, pause, resume, promote, restart, undo.
#include "scheduler/desired_state.h"
#include "scheduler/revision_history.h"
#include "store/event_repository.h"

namespace stele::scheduler {
namespace {

Result<void> noteEvent(store::Database& tx, std::int64_t now, const std::string& reason,
                       const std::string& name, const std::string& message) {
  auto added = store::EventRepository(tx).append(
      {0, now, "Normal", reason, "Deployment", name, name, "", message});
  if (!added) return fail(added.error());
  return {};
}

std::string byWhom(const std::string& by) { return by.empty() ? "" : " by " + by; }

Result<store::RevisionRecord> currentRevision(store::RevisionRepository& revisions,
                                              const std::string& name, std::int64_t revision) {
  auto current = revisions.find(name, revision);
  if (!current) return fail(current.error());
  if (!*current) {
    return fail(
        ErrorKind::Internal, "revision_missing",
        "deployment " + name + " has no record of its revision " + std::to_string(revision));
  }
  return std::move(**current);
}

}  // namespace

Result<void> DesiredState::changeRollout(
    const std::function<Result<void>(store::Database&)>& body) {
  if (auto done = db_.transaction(body); !done) return done;
  if (onChange_) onChange_();
  return {};
}

Result<void> DesiredState::changeRevision(const std::string& name, std::int64_t revision,
                                          const RevisionChange& body) {
  return changeRollout([&](store::Database& tx) -> Result<void> {
    store::RevisionRepository revisions(tx);
    auto current = currentRevision(revisions, name, revision);
    if (!current) return fail(current.error());
    return body(tx, *current);
  });
}

Result<std::vector<store::RevisionRecord>> DesiredState::revisions(const std::string& name) {
  if (auto d = deployment(name); !d) return fail(d.error());
  return store::RevisionRepository(db_).list(name);
}

// One transaction: the deployment, its revision's record and its pause as of one instant (a
// rollback changes the first two at once).
Result<RolloutState> DesiredState::rollout(const std::string& name) {
  std::optional<RolloutState> out;
  auto read = db_.transaction([&](store::Database& tx) -> Result<void> {
    auto d = deployment(name);
    if (!d) return fail(d.error());
    store::RevisionRepository revisions(tx);
    auto current = currentRevision(revisions, name, d->record.revision);
    if (!current) return fail(current.error());
    auto pauses = revisions.pauses();
    if (!pauses) return fail(pauses.error());
    out = RolloutState{std::move(*d), std::move(*current), std::nullopt};
    if (auto p = pauses->find(name); p != pauses->end()) out->pause = p->second;
    return {};
  });
  if (!read) return fail(read.error());
  return std::move(*out);
}

Result<void> DesiredState::pause(const std::string& name, const std::string& by) {
  std::int64_t now = clock_.nowMs();
  return changeRollout([&](store::Database& tx) -> Result<void> {
    if (auto d = store::DesiredRepository(tx).find("Deployment", name); !d || !*d) {
      return d ? fail(ErrorKind::NotFound, "deployment_not_found",
                      "deployment " + name + " not found")
               : fail(d.error());
    }
    if (auto r = store::RevisionRepository(tx).pause(name, {"paused" + byWhom(by), now, false});
        !r) {
      return r;
    }
    return noteEvent(tx, now, "Paused", name, "rollout paused" + byWhom(by));
  });
}

Result<void> DesiredState::resume(const std::string& name, const std::string& by) {
  std::int64_t now = clock_.nowMs();
  return changeRollout([&](store::Database& tx) -> Result<void> {
    auto d = store::DesiredRepository(tx).find("Deployment", name);
    if (!d) return fail(d.error());
    if (!*d) {
      return fail(ErrorKind::NotFound, "deployment_not_found", "deployment " + name + " not found");
    }
    store::RevisionRepository revisions(tx);
    auto resumed = revisions.resume(name);
    if (!resumed) return fail(resumed.error());
    auto current = revisions.find(name, (*d)->revision);
    if (!current) return fail(current.error());
    bool retried = false;
    if (*current) {
      store::RevisionRecord r = **current;
      if (r.outcome == store::outcome::kFailed) {
        startRollout(r, now);
        if (r.restartedAtMs == 0) r.promotedAtMs = 0;  // a Canary retried: canaries again
        retried = true;
      }
      r.progressAtMs = now;  // the deadline starts again
      if (auto put = revisions.put(r); !put) return put;
    }
    if (!*resumed && !retried) {
      return fail(ErrorKind::Conflict, "not_paused", "deployment " + name + " is not paused");
    }
    return noteEvent(
        tx, now, "Resumed", name,
        std::string(retried ? "failed rollout retried" : "rollout resumed") + byWhom(by));
  });
}

Result<void> DesiredState::promote(const std::string& name, const std::string& by) {
  auto d = deployment(name);
  if (!d) return fail(d.error());
  if (d->deployment.strategy.type != StrategyRequest::Type::Canary) {
    return fail(ErrorKind::Conflict, "not_canary",
                "deployment " + name + " does not use the Canary strategy: nothing to promote");
  }
  std::int64_t now = clock_.nowMs();
  const std::int64_t revision = d->record.revision;
  return changeRevision(
      name, revision, [&](store::Database& tx, store::RevisionRecord& current) -> Result<void> {
        if (current.outcome != store::outcome::kProgressing) {
          return fail(ErrorKind::Conflict, "not_progressing",
                      "revision " + std::to_string(revision) + " of " + name +
                          " is not rolling out: nothing to promote");
        }
        if (current.promotedAtMs > 0 || current.rollbackOf > 0) {
          return fail(ErrorKind::Conflict, "already_promoted",
                      "revision " + std::to_string(revision) + " of " + name +
                          " is past its canary phase already");
        }
        if (auto r = store::RevisionRepository(tx).setPromoted(name, revision, now); !r) return r;
        return noteEvent(
            tx, now, "Promoted", name,
            "canary of revision " + std::to_string(revision) + " promoted" + byWhom(by));
      });
}

Result<void> DesiredState::restart(const std::string& name, const std::string& by) {
  auto d = deployment(name);
  if (!d) return fail(d.error());
  std::int64_t now = clock_.nowMs();
  const std::int64_t revision = d->record.revision;
  return changeRevision(
      name, revision, [&](store::Database& tx, store::RevisionRecord& r) -> Result<void> {
        if (r.outcome == store::outcome::kProgressing) {
          return fail(ErrorKind::Conflict, "rollout_in_progress",
                      "revision " + std::to_string(revision) + " of " + name +
                          " is still rolling out: wait for it (stele rollout status " + name +
                          ") before a restart");
        }
        startRollout(r, now);
        r.promotedAtMs = now;  // the revision ran: no canary phase
        r.restartedAtMs = now;
        if (auto put = store::RevisionRepository(tx).put(r); !put) return put;
        return noteEvent(tx, now, "Restarted", name,
                         "restart of revision " + std::to_string(revision) + byWhom(by) +
                             ": every instance is replaced");
      });
}

Result<std::int64_t> DesiredState::undo(const std::string& name, std::int64_t to,
                                        const std::string& by) {
  if (to == 0) {
    auto d = deployment(name);
    if (!d) return fail(d.error());
    auto history = store::RevisionRepository(db_).list(name);
    if (!history) return fail(history.error());
    for (const auto& r : *history) {
      if (r.revision != d->record.revision) {
        to = r.revision;
        break;
      }
    }
    if (to == 0) {
      return fail(ErrorKind::Conflict, "no_earlier_revision",
                  "deployment " + name + " has no earlier revision to go back to");
    }
  }
  if (auto r = rollBack(name, to, 0, "undo" + byWhom(by), by); !r) return fail(r.error());
  return to;
}

}  // namespace stele::scheduler
