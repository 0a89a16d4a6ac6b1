// libvirt lifecycle events (VIR_DOMAIN_EVENT_* and their details, passed as ints so this header
// needs no libvirt.h) mapped to Stele's event kinds and states. Pure.
#pragma once

#include <optional>

#include "hypervisor/hypervisor.h"

namespace stele::hypervisor {

// STARTED -> DomainStarted; STOPPED/SHUTDOWN -> DomainShutDown; STOPPED/CRASHED or FAILED
// -> DomainCrashed; other STOPPED -> DomainStopped; CRASHED -> DomainCrashed; the rest
// (defined, undefined, suspended, shutdown-in-progress, ...) -> nullopt.
std::optional<EventKind> classifyLifecycleEvent(int event, int detail);

// The state a domain is in after an event of that kind.
DomainState stateAfter(EventKind kind);

// virDomainState (VIR_DOMAIN_*) to DomainState.
DomainState domainStateFromLibvirt(int state);

}  // namespace stele::hypervisor
