// How deployments, networks, instances, events and plans look in API responses.
#pragma once

#include <nlohmann/json.hpp>

#include "scheduler/desired_state.h"
#include "scheduler/reconcile_plan.h"
#include "store/event_repository.h"
#include "store/instance_repository.h"

namespace stele::api {

nlohmann::json timeMsJson(std::int64_t ms);
nlohmann::json networkJson(const scheduler::StoredNetwork& network);
// `instances` are the deployment's own; `condition` its latest scheduling/back-off condition.
nlohmann::json deploymentJson(const scheduler::StoredDeployment& deployment,
                              const std::vector<store::InstanceRecord>& instances,
                              const std::optional<scheduler::DeploymentCondition>& condition);
nlohmann::json instanceJson(const store::InstanceRecord& instance);
nlohmann::json eventJson(const store::EventRecord& event);
nlohmann::json applyResultJson(const scheduler::ApplyResult& result);
// Per host: which instances would be provisioned or destroyed, and why.
nlohmann::json planJson(const scheduler::ReconcilePlan& plan);

}  // namespace stele::api
