#include "hypervisor/instance_observation.h"

#include <gtest/gtest.h>
#include <libvirt/libvirt.h>

#include "hypervisor/lifecycle_event_mapping.h"
#include "hypervisor/reconnect_backoff.h"

namespace stele::hypervisor {
namespace {

using State = DomainState;

TEST(InstanceObservation, ReportsMissedStartStopCrashAndVanish) {
  Observation before{{"a", {"dom-a", State::ShutOff}},
                     {"b", {"dom-b", State::Running}},
                     {"c", {"dom-c", State::Running}},
                     {"d", {"dom-d", State::Running}}};
  Observation after{{"a", {"dom-a", State::Running}},
                    {"b", {"dom-b", State::ShutOff}},
                    {"c", {"dom-c", State::Crashed}}};
  auto changes = compareObservations(before, after);
  std::vector<ObservedChange> expected{{EventKind::DomainStarted, "a", "dom-a"},
                                       {EventKind::DomainStopped, "b", "dom-b"},
                                       {EventKind::DomainCrashed, "c", "dom-c"},
                                       {EventKind::DomainStopped, "d", "dom-d"}};
  EXPECT_EQ(changes, expected);
}

TEST(InstanceObservation, ReportsNothingWhenNothingChanged) {
  Observation same{{"a", {"dom-a", State::Running}}, {"b", {"dom-b", State::ShutOff}}};
  EXPECT_TRUE(compareObservations(same, same).empty());
}

TEST(InstanceObservation, NewlyDefinedButStoppedInstanceIsNoEvent) {
  EXPECT_TRUE(compareObservations({}, {{"a", {"dom-a", State::ShutOff}}}).empty());
}

TEST(LifecycleEventMapping, MapsLibvirtEventsToSteleKinds) {
  EXPECT_EQ(classifyLifecycleEvent(VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_BOOTED),
            EventKind::DomainStarted);
  EXPECT_EQ(classifyLifecycleEvent(VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_DESTROYED),
            EventKind::DomainStopped);
  EXPECT_EQ(classifyLifecycleEvent(VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN),
            EventKind::DomainShutDown);
  EXPECT_EQ(classifyLifecycleEvent(VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_FAILED),
            EventKind::DomainCrashed);
  EXPECT_EQ(classifyLifecycleEvent(VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_CRASHED),
            EventKind::DomainCrashed);
  EXPECT_EQ(classifyLifecycleEvent(VIR_DOMAIN_EVENT_CRASHED, VIR_DOMAIN_EVENT_CRASHED_PANICKED),
            EventKind::DomainCrashed);
  EXPECT_EQ(classifyLifecycleEvent(VIR_DOMAIN_EVENT_DEFINED, 0), std::nullopt);
  EXPECT_EQ(classifyLifecycleEvent(VIR_DOMAIN_EVENT_SHUTDOWN, VIR_DOMAIN_EVENT_SHUTDOWN_FINISHED),
            std::nullopt);
}

TEST(ReconnectBackoff, DoublesFromInitialAndCapsAtMax) {
  using std::chrono::milliseconds;
  EXPECT_EQ(reconnectDelay(0, milliseconds(250), milliseconds(30000)), milliseconds(250));
  EXPECT_EQ(reconnectDelay(1, milliseconds(250), milliseconds(30000)), milliseconds(500));
  EXPECT_EQ(reconnectDelay(3, milliseconds(250), milliseconds(30000)), milliseconds(2000));
  EXPECT_EQ(reconnectDelay(40, milliseconds(250), milliseconds(30000)), milliseconds(30000));
}

}  // namespace
}  // namespace stele::hypervisor
