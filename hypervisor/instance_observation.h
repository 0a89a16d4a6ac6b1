// What a host was last seen to hold, and the events implied by a newer listing.
// Pure: the periodic listing backstop compares two observations to catch missed libvirt events.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "hypervisor/hypervisor.h"

namespace stele::hypervisor {

struct ObservedInstance {
  std::string domainName;
  DomainState state = DomainState::Other;

  friend bool operator==(const ObservedInstance&, const ObservedInstance&) = default;
};

using Observation = std::map<InstanceId, ObservedInstance>;

struct ObservedChange {
  EventKind kind;
  InstanceId instanceId;
  std::string domainName;

  friend bool operator==(const ObservedChange&, const ObservedChange&) = default;
};

// Started: now running and was not. Crashed: now crashed, was not. Stopped: was running (or
// paused/shutting down) and is now shut off or gone. Appearing shut off is no event.
std::vector<ObservedChange> compareObservations(const Observation& before,
                                                const Observation& after);

bool isActiveState(DomainState state);

}  // namespace stele::hypervisor
