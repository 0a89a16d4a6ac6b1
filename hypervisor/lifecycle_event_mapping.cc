#include "hypervisor/lifecycle_event_mapping.h"

#include <libvirt/libvirt.h>

namespace stele::hypervisor {

std::optional<EventKind> classifyLifecycleEvent(int event, int detail) {
  switch (event) {
    case VIR_DOMAIN_EVENT_STARTED:
      return EventKind::DomainStarted;
    case VIR_DOMAIN_EVENT_STOPPED:
      switch (detail) {
        case VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN:
          return EventKind::DomainShutDown;
        case VIR_DOMAIN_EVENT_STOPPED_CRASHED:
        case VIR_DOMAIN_EVENT_STOPPED_FAILED:
          return EventKind::DomainCrashed;
        default:
          return EventKind::DomainStopped;
      }
    case VIR_DOMAIN_EVENT_CRASHED:
      return EventKind::DomainCrashed;
    default:
      return std::nullopt;
  }
}

DomainState stateAfter(EventKind kind) {
  switch (kind) {
    case EventKind::DomainStarted:
      return DomainState::Running;
    case EventKind::DomainCrashed:
      return DomainState::Crashed;
    case EventKind::DomainStopped:
    case EventKind::DomainShutDown:
      return DomainState::ShutOff;
    default:
      return DomainState::Other;
  }
}

DomainState domainStateFromLibvirt(int state) {
  switch (state) {
    case VIR_DOMAIN_RUNNING:
    case VIR_DOMAIN_BLOCKED:
      return DomainState::Running;
    case VIR_DOMAIN_PAUSED:
    case VIR_DOMAIN_PMSUSPENDED:
      return DomainState::Paused;
    case VIR_DOMAIN_SHUTDOWN:
      return DomainState::ShuttingDown;
    case VIR_DOMAIN_SHUTOFF:
      return DomainState::ShutOff;
    case VIR_DOMAIN_CRASHED:
      return DomainState::Crashed;
    default:
      return DomainState::Other;
  }
}

}  // namespace stele::hypervisor
