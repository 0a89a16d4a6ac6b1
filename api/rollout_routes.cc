// A deployment's rollout and revisions (docs/rollouts.md).
//
//   GET  /v1/deployments/{name}/rollout    the current revision's rollout, with counts
//   GET  /v1/deployments/{name}/revisions  newest first: image, signers, who, why, outcome
//   POST /v1/deployments/{name}/pause      no rollout steps until resumed            deployer
//   POST /v1/deployments/{name}/resume     (also retries a failed rollout)           deployer
//   POST /v1/deployments/{name}/promote    ends a Canary rollout's canary phase      deployer
//   POST /v1/deployments/{name}/restart    replaces every instance, same revision    deployer
//   POST /v1/deployments/{name}/undo[?toRevision=N]  back to N, or the previous one  deployer
#include <algorithm>
#include <climits>

#include "api/desired_views.h"
#include "api/request_fields.h"
#include "api/router.h"
#include "api/services.h"
#include "scheduler/instance_state.h"
#include "scheduler/rollout_strategy.h"

namespace stele::api {
namespace {

namespace state = scheduler::state;

nlohmann::json revisionJson(const store::RevisionRecord& r, std::int64_t current) {
  nlohmann::json out = {
      {"revision", r.revision},
      {"current", r.revision == current},
      {"image", {{"name", r.imageName}, {"version", r.imageVersion}, {"digest", r.imageDigest}}},
      {"signerKeys", nlohmann::json::parse(r.signerKeys, nullptr, false)},
      {"appliedBy", r.appliedBy},
      {"changeCause", r.changeCause},
      {"createdAt", timeMsJson(r.createdAtMs)},
      {"outcome", r.outcome},
      {"reason", r.outcomeReason},
      {"failures", r.failures},
      {"rollbackOf", r.rollbackOf},
      {"completedAt", r.completedAtMs > 0 ? timeMsJson(r.completedAtMs) : nullptr}};
  if (!out["signerKeys"].is_array()) out["signerKeys"] = nlohmann::json::array();
  return out;
}

const char* strategyName(scheduler::StrategyRequest::Type type) {
  switch (type) {
    case scheduler::StrategyRequest::Type::Recreate:
      return "Recreate";
    case scheduler::StrategyRequest::Type::Canary:
      return "Canary";
    case scheduler::StrategyRequest::Type::RollingUpdate:
      break;
  }
  return "RollingUpdate";
}

// Where a Canary rollout stands: Provisioning its canaries, Analysis (until analysisEndsAt),
// AwaitingPromotion (manual), or Promoted (also a rollback, which has no canary phase).
nlohmann::json canaryJson(const scheduler::DeploymentResource& spec, const store::RevisionRecord& r,
                          const std::vector<store::InstanceRecord>& instances) {
  const auto& strategy = spec.strategy;
  const int count = scheduler::resolveRolloutBounds(spec).canary;
  nlohmann::json out = {{"instances", count},
                        {"analysisMs", strategy.canaryAnalysisMs},
                        {"manual", strategy.canaryManual},
                        {"promotedAt", r.promotedAtMs > 0 ? timeMsJson(r.promotedAtMs) : nullptr}};
  if (r.promotedAtMs > 0 || r.rollbackOf > 0 || r.outcome != store::outcome::kProgressing) {
    out["phase"] = r.outcome == store::outcome::kProgressing ? "Promoted" : r.outcome;
    return out;
  }
  std::vector<std::int64_t> since;
  for (const auto& i : instances) {
    if (i.revision == r.revision && i.state == state::kAvailable) {
      since.push_back(i.stateSinceMs + spec.minReadyMs);
    }
  }
  if (count == 0 || static_cast<int>(since.size()) < count) {
    out["phase"] = "Provisioning";
    return out;
  }
  std::sort(since.begin(), since.end());
  out["phase"] = strategy.canaryManual ? "AwaitingPromotion" : "Analysis";
  if (!strategy.canaryManual) {
    out["analysisEndsAt"] =
        timeMsJson(since[static_cast<std::size_t>(count) - 1] + strategy.canaryAnalysisMs);
  }
  return out;
}

Result<nlohmann::json> rolloutJson(Services& s, const std::string& name) {
  auto rollout = s.desired.rollout(name);
  if (!rollout) return fail(rollout.error());
  auto instances = s.instances.list(name);
  if (!instances) return fail(instances.error());
  const store::RevisionRecord& r = rollout->current;
  int updated = 0;
  int available = 0;
  int old = 0;
  for (const auto& i : *instances) {
    if (!state::occupiesSlot(i.state)) continue;
    if (i.revision != r.revision || i.createdAtMs < r.restartedAtMs) {
      ++old;
      continue;
    }
    ++updated;
    available += i.state == state::kAvailable ? 1 : 0;
  }
  const auto& spec = rollout->deployment.deployment;
  std::string phase = r.outcome;
  if (rollout->pause && r.outcome == store::outcome::kProgressing) phase = "Paused";
  nlohmann::json out = {
      {"deployment", name},
      {"revision", r.revision},
      {"state", phase},
      {"reason", r.outcomeReason},
      {"rollbackOf", r.rollbackOf},
      {"image", {{"name", r.imageName}, {"version", r.imageVersion}}},
      {"replicas", spec.replicas},
      {"updated", updated},
      {"available", available},
      {"old", old},
      {"failures", r.failures},
      {"startedAt", timeMsJson(r.createdAtMs)},
      {"progressDeadlineMs", spec.progressDeadlineMs},
      {"lastProgressAt", timeMsJson(r.progressAtMs)},
      {"paused", rollout->pause.has_value()},
      {"pausedReason", rollout->pause ? rollout->pause->reason : ""},
      {"strategy", strategyName(spec.strategy.type)},
      {"restartedAt", r.restartedAtMs > 0 ? timeMsJson(r.restartedAtMs) : nlohmann::json()}};
  if (spec.strategy.type == scheduler::StrategyRequest::Type::Canary) {
    out["canary"] = canaryJson(spec, r, *instances);
  }
  return out;
}

std::string who(const RouteContext& ctx) { return "token " + ctx.principal.tokenId; }

using Control = Result<void> (scheduler::DesiredState::*)(const std::string&, const std::string&);

RouteHandler control(Services& s, Control action) {
  return [&s, action](const RouteContext& ctx) -> Result<HttpResponse> {
    if (auto r = (s.desired.*action)(ctx.param("name"), who(ctx)); !r) return fail(r.error());
    auto view = rolloutJson(s, ctx.param("name"));
    if (!view) return fail(view.error());
    return jsonResponse(200, *view);
  };
}

}  // namespace

void addRolloutRoutes(Router& router, Services& s) {
  router.add({"GET", "/v1/deployments/{name}/rollout", Permission::Read, std::nullopt, 0,
              [&s](const RouteContext& ctx) -> Result<HttpResponse> {
                auto view = rolloutJson(s, ctx.param("name"));
                if (!view) return fail(view.error());
                return jsonResponse(200, *view);
              }});
  router.add({"GET", "/v1/deployments/{name}/revisions", Permission::Read, std::nullopt, 0,
              [&s](const RouteContext& ctx) -> Result<HttpResponse> {
                auto d = s.desired.deployment(ctx.param("name"));
                if (!d) return fail(d.error());
                auto all = s.desired.revisions(ctx.param("name"));
                if (!all) return fail(all.error());
                nlohmann::json items = nlohmann::json::array();
                for (const auto& r : *all) items.push_back(revisionJson(r, d->record.revision));
                return jsonResponse(200, {{"items", items}});
              }});
  router.add({"POST", "/v1/deployments/{name}/pause", Permission::Deploy, "name", 0,
              control(s, &scheduler::DesiredState::pause)});
  router.add({"POST", "/v1/deployments/{name}/resume", Permission::Deploy, "name", 0,
              control(s, &scheduler::DesiredState::resume)});
  router.add({"POST", "/v1/deployments/{name}/promote", Permission::Deploy, "name", 0,
              control(s, &scheduler::DesiredState::promote)});
  router.add({"POST", "/v1/deployments/{name}/restart", Permission::Deploy, "name", 0,
              control(s, &scheduler::DesiredState::restart)});
  router.add({"POST", "/v1/deployments/{name}/undo", Permission::Deploy, "name", 0,
              [&s](const RouteContext& ctx) -> Result<HttpResponse> {
                auto to = integerParam(ctx.request, "toRevision", 0, INT32_MAX);
                if (!to) return fail(to.error());
                auto done = s.desired.undo(ctx.param("name"), *to, who(ctx));
                if (!done) return fail(done.error());
                auto view = rolloutJson(s, ctx.param("name"));
                if (!view) return fail(view.error());
                return jsonResponse(200, *view);
              }});
}

}  // namespace stele::api
