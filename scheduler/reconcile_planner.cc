#include <algorithm>

#include "scheduler/instance_state.h"
#include "scheduler/reconcile_plan.h"
#include "scheduler/rollout_strategy.h"

namespace stele::scheduler {
namespace {

using hypervisor::DomainState;

bool domainDead(DomainState s) { return s == DomainState::Crashed || s == DomainState::ShutOff; }

std::string seconds(std::int64_t ms) { return std::to_string(ms / 1000) + " s"; }

// Failures in a row once `record` fails now: forgiven if it had been available long enough.
std::int64_t restartsAfterFailure(const store::InstanceRecord& record, std::int64_t now,
                                  const ReconcileSettings& settings) {
  bool forgiven =
      record.state == state::kAvailable && now - record.stateSinceMs >= settings.backoffResetMs;
  return forgiven ? 1 : record.restarts + 1;
}

class Planner {
 public:
  Planner(const ReconcileSnapshot& snapshot, const ReconcileSettings& settings, Random& random)
      : s_(snapshot), settings_(settings), random_(random) {
    for (const auto& d : s_.deployments) {
      deployments_[d.name] = &d;
      RolloutBounds bounds = resolveRolloutBounds(d.spec);
      bounds_[d.name] = bounds;
      slotLimit_[d.name] = d.spec.replicas + std::max(bounds.surge, bounds.canary);
    }
    for (const auto& [name, host] : s_.hosts) candidates_.push_back(host.candidate);
    for (const auto& r : s_.instances) {
      byDeployment_[r.deployment].push_back(&r);
      bySlot_[{r.deployment, r.ordinal}].push_back(&r);
    }
  }

  ReconcilePlan run() {
    for (const auto& record : s_.instances) planInstance(record);
    planStrays();
    for (const auto& d : s_.deployments) planDeployment(d);
    return std::move(plan_);
  }

 private:
  void add(Step step) {
    touched_.insert({step.deployment, step.ordinal});
    if (!step.instanceId.empty()) busy_[step.instanceId] = leaves(step);
    if (step.kind == Step::Kind::SetState && step.state == state::kAvailable) {
      becomingAvailable_.insert(step.instanceId);
    }
    plan_.steps.push_back(std::move(step));
  }
  void wakeAt(std::int64_t at) {
    if (!plan_.wakeAtMs || at < *plan_.wakeAtMs) plan_.wakeAtMs = at;
  }
  Step stepFor(Step::Kind kind, const store::InstanceRecord& r, std::string state,
               std::string reason) {
    Step step;
    step.kind = kind;
    step.deployment = r.deployment;
    step.ordinal = static_cast<int>(r.ordinal);
    step.host = r.host;
    step.instanceId = r.id;
    step.state = std::move(state);
    step.reason = std::move(reason);
    step.restarts = r.restarts;
    return step;
  }
  void fail(Step::Kind kind, const store::InstanceRecord& r, const std::string& reason) {
    Step step = stepFor(kind, r, std::string(state::kGone), reason);
    step.failure = true;
    step.restarts = restartsAfterFailure(r, s_.nowMs, settings_);
    add(std::move(step));
  }

  void planInstance(const store::InstanceRecord& r) {
    auto host = s_.hosts.find(r.host);
    auto dep = deployments_.find(r.deployment);
    // Slots beyond the replicas serve surge instances during a rollout.
    bool wanted = dep != deployments_.end() && r.ordinal < slotLimit_.at(r.deployment);
    bool reachable = host != s_.hosts.end() && host->second.reachable;
    if (r.state == state::kGone) {
      if (!wanted) add(stepFor(Step::Kind::Forget, r, "", "its slot is no longer wanted"));
      return;
    }
    if (host == s_.hosts.end()) {
      add(stepFor(Step::Kind::Forget, r, "", "host " + r.host + " was removed from the inventory"));
      return;
    }
    if (r.state == state::kLost) {
      if (reachable) {
        Step step = stepFor(Step::Kind::Destroy, r, "",
                            "host " + r.host + " returned: fenced, since its replacement runs");
        step.fence = true;
        add(std::move(step));
      } else if (!wanted) {
        add(stepFor(Step::Kind::Forget, r, "", "its slot is no longer wanted"));
      }
      return;
    }
    if (!reachable) {
      std::int64_t down = s_.nowMs - host->second.unreachableSinceMs;
      if (down >= settings_.hostGraceMs) {
        add(stepFor(Step::Kind::SetState, r, std::string(state::kLost),
                    "host " + r.host + " unreachable for " + seconds(down)));
      } else {
        wakeAt(host->second.unreachableSinceMs + settings_.hostGraceMs);
      }
      return;
    }
    auto domain = host->second.domains.find(r.id);
    bool present = domain != host->second.domains.end();
    if (r.state == state::kDestroying) {
      Step step = stepFor(Step::Kind::Destroy, r, wanted ? std::string(state::kGone) : "",
                          r.reason.empty() ? "destroy interrupted" : r.reason);
      add(std::move(step));
      return;
    }
    if (r.state == state::kProvisioning) {
      if (present) {
        add(stepFor(Step::Kind::SetState, r, std::string(state::kStarting),
                    "provision finished before a restart: domain adopted"));
      } else {
        fail(Step::Kind::SetState, r, "provision interrupted before the domain was made");
      }
      return;
    }
    if (!wanted) {
      std::string why = dep == deployments_.end() ? "deployment deleted" : "scaled down";
      add(stepFor(Step::Kind::Destroy, r, "", why));
      return;
    }
    const PlanDeployment& d = *dep->second;
    auto health = s_.health.find(r.id);
    if (!present) {
      fail(Step::Kind::SetState, r, "domain disappeared from host " + r.host);
    } else if (domainDead(domain->second.state)) {
      fail(Step::Kind::Destroy, r,
           domain->second.state == DomainState::Crashed ? "domain crashed" : "domain stopped");
    } else if (health != s_.health.end() && health->second.failed) {
      fail(Step::Kind::Destroy, r, "health check failed: " + health->second.detail);
    } else if (r.state == state::kStarting && domain->second.state == DomainState::Running &&
               (!d.spec.healthCheck || (health != s_.health.end() && health->second.passed))) {
      add(stepFor(Step::Kind::SetState, r, std::string(state::kAvailable),
                  !d.spec.healthCheck ? "running (no health check)" : "health check passed"));
    }
  }

  void planStrays() {
    std::set<std::string> known;
    for (const auto& r : s_.instances) known.insert(r.id);
    for (const auto& [hostName, host] : s_.hosts) {
      if (!host.reachable) continue;
      for (const auto& [id, info] : host.domains) {
        if (known.count(id) != 0) continue;
        if (s_.provisionedIds.count(id) == 0 && deployments_.count(info.metadata.deployment) == 0) {
          continue;
        }
        Step step;
        step.kind = Step::Kind::Destroy;
        step.host = hostName;
        step.instanceId = id;
        step.deployment = info.metadata.deployment;
        step.ordinal = -1;
        step.stray = true;
        step.reason = "stray: no instance record owns this Stele domain";
        plan_.steps.push_back(std::move(step));
      }
    }
  }

  static bool leaves(const Step& step) {
    return step.kind != Step::Kind::SetState ||
           (step.state != state::kStarting && step.state != state::kAvailable);
  }

  // The deployment's live instances as its strategy sees them.
  RolloutView viewOf(const PlanDeployment& d) {
    RolloutView view;
    view.replicas = d.spec.replicas;
    view.bounds = bounds_.at(d.name);
    view.nowMs = s_.nowMs;
    view.canary.promoted = !d.rollout || d.rollout->promotedAtMs > 0 || d.rollout->rollbackOf > 0;
    view.canary.analysisMs = d.spec.strategy.canaryAnalysisMs;
    view.canary.manual = d.spec.strategy.canaryManual;
    for (const store::InstanceRecord* record : byDeployment_[d.name]) {
      const store::InstanceRecord& r = *record;
      if (!state::occupiesSlot(r.state)) continue;
      view.total += 1;
      bool old = !d.wants(r);
      if (old) view.oldTotal += 1;
      auto busy = busy_.find(r.id);
      if ((busy != busy_.end() && busy->second) || r.state == state::kDestroying) continue;
      RolloutMember member{&r, false, busy != busy_.end()};
      if (!member.busy && r.state == state::kAvailable) {
        std::int64_t readyAt = r.stateSinceMs + d.spec.minReadyMs;
        member.available = readyAt <= s_.nowMs;
        member.availableSinceMs = readyAt;
        if (!member.available) wakeAt(readyAt);
      }
      (old ? view.old : view.current).push_back(member);
    }
    return view;
  }

  void planDeployment(const PlanDeployment& d) {
    RolloutView view = viewOf(d);
    RolloutDecision decision;
    if (d.paused) {
      decision.provisions = std::max(0, view.replicas - view.total);
    } else {
      decision = planRollout(view, d.spec.strategy.type);
      if (decision.wakeAtMs) wakeAt(*decision.wakeAtMs);
      if (decision.promote) promote(d, view);
      judge(d, view, decision.holding);
    }
    for (const store::InstanceRecord* r : decision.replace) {
      Step step =
          stepFor(Step::Kind::Destroy, *r, std::string(state::kGone),
                  r->revision == d.revision ? "restart of revision " + std::to_string(d.revision)
                                            : "new revision: " + std::to_string(r->revision) +
                                                  " -> " + std::to_string(d.revision));
      step.restarts = 0;
      add(std::move(step));
    }
    for (const store::InstanceRecord* r : decision.scaleDown) {
      add(stepFor(Step::Kind::Destroy, *r, "", "scaled down"));
    }
    planSlots(d, decision.provisions, view.oldTotal > 0);
  }

  void promote(const PlanDeployment& d, const RolloutView& view) {
    if (!d.rollout) return;
    RolloutChange change;
    change.kind = RolloutChange::Kind::Promote;
    change.deployment = d.name;
    change.revision = d.revision;
    change.reason = std::to_string(view.bounds.canary) + " canary instance(s) of revision " +
                    std::to_string(d.revision) + " stayed healthy for the analysis window (" +
                    std::to_string(view.canary.analysisMs) + " ms)";
    plan_.rollouts.push_back(std::move(change));
  }

  void judge(const PlanDeployment& d, const RolloutView& view, bool holding) {
    if (!d.rollout) return;
    RolloutCounts counts;
    counts.holding = holding;
    counts.replicas = d.spec.replicas;
    // An instance this pass marks Available counts at once when no minReadyMs applies: the
    // rollout is recorded Complete in the same commit as its last instance's availability.
    for (const RolloutMember& m : view.current) {
      bool now = d.spec.minReadyMs == 0 && becomingAvailable_.count(m.record->id) != 0;
      counts.currentAvailable += m.available || now ? 1 : 0;
    }
    counts.oldTotal = view.oldTotal;
    RolloutJudgement judged = judgeRollout(*d.rollout, d.history, counts, d.spec, s_.nowMs,
                                           settings_.rolloutFailureLimit);
    if (judged.wakeAtMs) wakeAt(*judged.wakeAtMs);
    if (judged.change) plan_.rollouts.push_back(*judged.change);
  }

  struct FreeSlot {
    int ordinal = 0;
    const store::InstanceRecord* gone = nullptr;  // its latest Gone record, if any
    const store::InstanceRecord* lost = nullptr;
  };

  // Slots no instance holds: those with a Gone record first (the latest first: its back-off
  // applies), then those of Lost instances (their addresses), then the empty ones from the
  // lowest ordinal.
  std::vector<FreeSlot> freeSlots(const PlanDeployment& d, bool rolling) {
    std::vector<FreeSlot> out;
    for (int ordinal = 0; ordinal < slotLimit_.at(d.name); ++ordinal) {
      if (touched_.count({d.name, ordinal}) != 0) continue;
      FreeSlot free{ordinal, nullptr, nullptr};
      bool occupied = false;
      auto slot = bySlot_.find({d.name, ordinal});
      if (slot != bySlot_.end()) {
        for (const store::InstanceRecord* r : slot->second) {
          if (state::occupiesSlot(r->state)) occupied = true;
          if (r->state == state::kGone &&
              (free.gone == nullptr || r->stateSinceMs > free.gone->stateSinceMs)) {
            free.gone = r;
          }
          if (r->state == state::kLost) free.lost = r;
        }
      }
      // Outside a rollout the surge slots take only the replacement of their own instance.
      bool home = ordinal < d.spec.replicas || free.gone != nullptr || free.lost != nullptr;
      if (!occupied && (home || rolling)) out.push_back(free);
    }
    auto rank = [](const FreeSlot& f) { return f.gone != nullptr ? 0 : f.lost != nullptr ? 1 : 2; };
    std::stable_sort(out.begin(), out.end(), [&](const FreeSlot& a, const FreeSlot& b) {
      if (rank(a) != rank(b)) return rank(a) < rank(b);
      return a.gone != nullptr && a.gone->stateSinceMs > b.gone->stateSinceMs;
    });
    return out;
  }

  // Provisions `count` instances of the desired revision into free slots. Once no rollout
  // is under way, the Gone records of slots left free are forgotten: every replica runs.
  void planSlots(const PlanDeployment& d, int count, bool rolling) {
    for (const FreeSlot& free : freeSlots(d, rolling)) {
      const store::InstanceRecord* gone = free.gone;
      const store::InstanceRecord* lost = free.lost;
      const int ordinal = free.ordinal;
      if (count <= 0) {
        if (!rolling && gone != nullptr) {
          add(stepFor(Step::Kind::Forget, *gone, "", "every replica runs in another slot"));
        }
        continue;
      }
      --count;
      // Back-off counts the failures of this revision in this slot: an instance of another
      // (a rollback from a failing revision, a fix rolled over a crash loop) starts at once.
      std::int64_t restarts = gone != nullptr && gone->revision == d.revision ? gone->restarts : 0;
      std::int64_t due =
          restarts > 0 ? gone->stateSinceMs + backoffDelayMs(restarts, settings_) : s_.nowMs;
      if (due > s_.nowMs) {
        wakeAt(due);
        bool loop = restarts >= settings_.crashLoopAfter;
        plan_.conditions.push_back({d.name, loop ? "CrashLoop" : "BackOff",
                                    "instance " + std::to_string(ordinal) + " failed " +
                                        std::to_string(restarts) + " times in a row; next try in " +
                                        std::to_string(due - s_.nowMs) + " ms"});
        continue;
      }
      PlacementRequest request;
      request.deployment = d.name;
      request.vcpus = d.vcpus;
      request.memoryMiB = d.memoryMiB;
      request.hostSelector = d.spec.placement.hostSelector;
      for (const auto& nic : d.spec.interfaces) request.networks.push_back(nic.network);
      request.spreadHosts = d.spec.placement.spreadHosts;
      request.maxPerHost = d.spec.placement.maxPerHost;
      if (restarts > 0) request.avoidHosts.insert(gone->host);
      auto decision = place(request, candidates_, random_);
      if (!decision.host) {
        plan_.conditions.push_back({d.name, "FailedScheduling", decision.reason});
        continue;
      }
      for (auto& c : candidates_) {
        if (c.name != *decision.host) continue;
        c.allocatedVcpus += request.vcpus;
        c.allocatedMemoryMiB += request.memoryMiB;
        c.instancesOf[d.name] += 1;
      }
      Step step;
      step.kind = Step::Kind::Provision;
      step.deployment = d.name;
      step.ordinal = ordinal;
      step.host = *decision.host;
      step.restarts = restarts;
      if (gone != nullptr) {
        step.reason = "replaces " + gone->id + " (" + gone->reason + ")";
      } else if (lost != nullptr) {
        step.reason = "replaces " + lost->id + " (lost: " + lost->reason + ")";
      } else {
        step.reason = "new instance " + std::to_string(ordinal);
      }
      add(std::move(step));
    }
  }

  const ReconcileSnapshot& s_;
  const ReconcileSettings& settings_;
  Random& random_;
  std::map<std::string, const PlanDeployment*> deployments_;
  std::vector<HostCandidate> candidates_;
  std::map<std::string, RolloutBounds> bounds_;
  std::map<std::string, int> slotLimit_;     // replicas + surge: the ordinals a deployment may use
  std::map<std::string, bool> busy_;         // instances with a step this pass: does it leave?
  std::set<std::string> becomingAvailable_;  // instances this pass marks Available
  // The snapshot's records by deployment and by slot, so a pass is not quadratic in them.
  std::map<std::string, std::vector<const store::InstanceRecord*>> byDeployment_;
  std::map<std::pair<std::string, std::int64_t>, std::vector<const store::InstanceRecord*>> bySlot_;
  std::set<std::pair<std::string, int>> touched_;
  ReconcilePlan plan_;
};

}  // namespace

std::int64_t backoffDelayMs(std::int64_t restarts, const ReconcileSettings& settings) {
  if (restarts <= 1) return 0;
  std::int64_t delay = settings.backoffBaseMs;
  for (std::int64_t i = 2; i < restarts && delay < settings.backoffMaxMs; ++i) delay *= 2;
  return std::min(delay, settings.backoffMaxMs);
}

ReconcilePlan planReconcile(const ReconcileSnapshot& snapshot, const ReconcileSettings& settings,
                            Random& random) {
  return Planner(snapshot, settings, random).run();
}

}  // namespace stele::scheduler
