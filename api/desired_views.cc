#include "api/desired_views.h"

#include "common/time_format.h"
#include "scheduler/instance_state.h"
#include "store/pattern_list.h"

namespace stele::api {
namespace {

// kind, metadata (with generation, revision and who applied it) and spec of a stored object,
// from its document parsed once.
nlohmann::json objectJson(const char* kind, const store::DesiredObjectRecord& record) {
  auto parsed = nlohmann::json::parse(record.document, nullptr, false);
  if (parsed.is_discarded()) parsed = nlohmann::json::object();
  nlohmann::json meta = parsed.value("metadata", nlohmann::json::object());
  return {{"kind", kind},
          {"metadata",
           {{"name", record.name},
            {"labels", meta.value("labels", nlohmann::json::object())},
            {"annotations", meta.value("annotations", nlohmann::json::object())},
            {"generation", record.generation},
            {"revision", record.revision},
            {"createdAt", timeMsJson(record.createdAt)},
            {"updatedAt", timeMsJson(record.updatedAt)},
            {"appliedBy", record.appliedBy}}},
          {"spec", parsed.value("spec", nlohmann::json::object())}};
}

}  // namespace

nlohmann::json timeMsJson(std::int64_t ms) {
  if (ms <= 0) return nullptr;
  std::string text = formatRfc3339(ms / 1000);
  char fraction[8];
  std::snprintf(fraction, sizeof fraction, ".%03d", static_cast<int>(ms % 1000));
  return text.substr(0, text.size() - 1) + fraction + "Z";
}

nlohmann::json networkJson(const scheduler::StoredNetwork& n) {
  return objectJson("Network", n.record);
}

nlohmann::json deploymentJson(const scheduler::StoredDeployment& d,
                              const std::vector<store::InstanceRecord>& instances,
                              const std::optional<scheduler::DeploymentCondition>& condition) {
  int available = 0, updated = 0, live = 0;
  for (const auto& i : instances) {
    if (!scheduler::state::occupiesSlot(i.state)) continue;
    ++live;
    if (i.revision == d.record.revision) ++updated;
    if (i.state == scheduler::state::kAvailable) ++available;
  }
  nlohmann::json status = {
      {"replicas", d.deployment.replicas},
      {"instances", live},
      {"updatedInstances", updated},
      {"availableInstances", available},
      {"image", d.record.imageName.value_or(d.deployment.image.name) + ":" +
                    d.record.imageVersion.value_or(d.deployment.image.version)}};
  if (condition) {
    status["condition"] = {{"reason", condition->reason}, {"message", condition->message}};
  } else {
    status["condition"] = nullptr;
  }
  nlohmann::json out = objectJson("Deployment", d.record);
  out["status"] = std::move(status);
  return out;
}

nlohmann::json instanceJson(const store::InstanceRecord& i) {
  nlohmann::json signers = store::splitPatterns(i.signerKeys);
  auto addresses = nlohmann::json::parse(i.addresses, nullptr, false);
  auto probe = nlohmann::json::parse(i.lastProbe.empty() ? "null" : i.lastProbe, nullptr, false);
  return {
      {"id", i.id},
      {"deployment", i.deployment},
      {"ordinal", i.ordinal},
      {"revision", i.revision},
      {"host", i.host},
      {"state", i.state},
      {"reason", i.reason},
      {"since", timeMsJson(i.stateSinceMs)},
      {"addresses", addresses.is_discarded() ? nlohmann::json::object() : addresses},
      {"image", {{"version", i.imageVersion}, {"digest", i.imageDigest}, {"signerKeys", signers}}},
      {"restarts", i.restarts},
      {"lastProbe", probe.is_discarded() ? nlohmann::json(nullptr) : probe},
      {"createdAt", timeMsJson(i.createdAtMs)}};
}

nlohmann::json eventJson(const store::EventRecord& e) {
  return {{"id", e.id},
          {"time", timeMsJson(e.atMs)},
          {"type", e.type},
          {"reason", e.reason},
          {"kind", e.objectKind},
          {"name", e.objectName},
          {"deployment", e.deployment},
          {"instance", e.instance},
          {"message", e.message}};
}

nlohmann::json applyResultJson(const scheduler::ApplyResult& result) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& item : result.items) {
    items.push_back({{"index", item.index},
                     {"kind", item.kind},
                     {"name", item.name},
                     {"action", item.action},
                     {"generation", item.generation},
                     {"revision", item.revision}});
  }
  return {{"items", items}, {"changed", result.changed}, {"dryRun", result.dryRun}};
}

nlohmann::json planJson(const scheduler::ReconcilePlan& plan) {
  nlohmann::json hosts = nlohmann::json::object();
  for (const auto& step : plan.steps) {
    std::string action;
    switch (step.kind) {
      case scheduler::Step::Kind::Provision:
        action = "provision";
        break;
      case scheduler::Step::Kind::Destroy:
        action = "destroy";
        break;
      default:
        continue;
    }
    nlohmann::json entry = {{"action", action},
                            {"deployment", step.deployment},
                            {"ordinal", step.ordinal},
                            {"reason", step.reason}};
    if (!step.instanceId.empty()) entry["instance"] = step.instanceId;
    hosts[step.host].push_back(entry);
  }
  nlohmann::json conditions = nlohmann::json::array();
  for (const auto& c : plan.conditions) {
    conditions.push_back(
        {{"deployment", c.deployment}, {"reason", c.reason}, {"message", c.message}});
  }
  return {{"hosts", hosts}, {"unplaced", conditions}};
}

}  // namespace stele::api
