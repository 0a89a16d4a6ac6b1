#include <algorithm>

#include "scheduler/instance_state.h"
#include "scheduler/reconcile_plan.h"

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
    for (const auto& d : s_.deployments) deployments_[d.name] = &d;
    for (const auto& [name, host] : s_.hosts) candidates_.push_back(host.candidate);
    for (const auto& r : s_.instances) {
      byDeployment_[r.deployment].push_back(&r);
      bySlot_[{r.deployment, r.ordinal}].push_back(&r);
    }
  }

  ReconcilePlan run() {
    for (const auto& record : s_.instances) planInstance(record);
    planOutdated();
    planStrays();
    for (const auto& d : s_.deployments) planSlots(d);
    return std::move(plan_);
  }

 private:
  void add(Step step) {
    touched_.insert({step.deployment, step.ordinal});
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
    bool wanted = dep != deployments_.end() && r.ordinal < dep->second->spec.replicas;
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
    } else if (r.revision != d.revision) {
      outdated_[d.name].push_back(&r);
    }
  }

  // A spec change replaces outdated instances one at a time, while all the others are
  // available (the rollout strategies of the next issue refine this).
  void planOutdated() {
    for (const auto& [name, records] : outdated_) {
      const PlanDeployment& d = *deployments_.at(name);
      bool othersAvailable = true;
      int live = 0;
      for (const store::InstanceRecord* record : byDeployment_[name]) {
        const store::InstanceRecord& r = *record;
        if (!state::occupiesSlot(r.state)) continue;
        ++live;
        if (r.state != state::kAvailable || touched_.count({name, static_cast<int>(r.ordinal)})) {
          othersAvailable = false;
        }
      }
      if (!othersAvailable || live < d.spec.replicas) continue;
      const store::InstanceRecord& r = *records.front();
      Step step = stepFor(
          Step::Kind::Destroy, r, std::string(state::kGone),
          "new revision: " + std::to_string(r.revision) + " -> " + std::to_string(d.revision));
      step.restarts = 0;
      add(std::move(step));
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

  void planSlots(const PlanDeployment& d) {
    for (int ordinal = 0; ordinal < d.spec.replicas; ++ordinal) {
      if (touched_.count({d.name, ordinal}) != 0) continue;
      const store::InstanceRecord* gone = nullptr;
      const store::InstanceRecord* lost = nullptr;
      bool occupied = false;
      auto slot = bySlot_.find({d.name, ordinal});
      if (slot != bySlot_.end()) {
        for (const store::InstanceRecord* r : slot->second) {
          if (state::occupiesSlot(r->state)) occupied = true;
          if (r->state == state::kGone &&
              (gone == nullptr || r->stateSinceMs > gone->stateSinceMs)) {
            gone = r;
          }
          if (r->state == state::kLost) lost = r;
        }
      }
      if (occupied) continue;
      std::int64_t restarts = gone != nullptr ? gone->restarts : 0;
      std::int64_t due =
          gone != nullptr ? gone->stateSinceMs + backoffDelayMs(restarts, settings_) : s_.nowMs;
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
      if (gone != nullptr && gone->restarts > 0) request.avoidHosts.insert(gone->host);
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
  std::map<std::string, std::vector<const store::InstanceRecord*>> outdated_;
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
