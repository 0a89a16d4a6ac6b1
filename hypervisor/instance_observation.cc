#include "hypervisor/instance_observation.h"

namespace stele::hypervisor {

bool isActiveState(DomainState state) {
  return state == DomainState::Running || state == DomainState::Paused ||
         state == DomainState::ShuttingDown;
}

std::vector<ObservedChange> compareObservations(const Observation& before,
                                                const Observation& after) {
  std::vector<ObservedChange> changes;
  for (const auto& [id, now] : after) {
    auto it = before.find(id);
    const DomainState was = it == before.end() ? DomainState::ShutOff : it->second.state;
    if (now.state == was) continue;
    if (now.state == DomainState::Running && !isActiveState(was)) {
      changes.push_back({EventKind::DomainStarted, id, now.domainName});
    } else if (now.state == DomainState::Crashed) {
      changes.push_back({EventKind::DomainCrashed, id, now.domainName});
    } else if (now.state == DomainState::ShutOff && isActiveState(was)) {
      changes.push_back({EventKind::DomainStopped, id, now.domainName});
    }
  }
  for (const auto& [id, was] : before) {
    if (!after.contains(id) && isActiveState(was.state)) {
      changes.push_back({EventKind::DomainStopped, id, was.domainName});
    }
  }
  return changes;
}

}  // namespace stele::hypervisor
