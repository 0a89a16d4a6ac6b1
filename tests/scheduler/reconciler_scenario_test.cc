// The reconciler over a real SQLite file, a real registry with a signed image, DesiredState,
// EventLog and a MemoryHypervisor (tests/scheduler/reconciler_harness.h). Each scenario drives
// passes with runOnce() and moves a ManualClock: self-healing, back-off timing, host loss and
// fencing, the deploy gate, restarts at every recorded step, and a seeded property test of
// random faults. API-level behaviour is covered by tests/api/deployment_api_test.cc.
#include <gtest/gtest.h>

#include "scheduler/instance_state.h"
#include "store/instance_repository.h"
#include "tests/scheduler/reconciler_harness.h"

namespace stele::testing {
namespace {

namespace state = scheduler::state;

constexpr int kReplicas = 3;

class ReconcilerScenarioTest : public ::testing::Test {
 protected:
  void SetUp() override { h_.apply(deploymentYaml("web", kReplicas)); }

  const scheduler::ReconcileSettings& settings() { return h_.options().reconciler.settings; }

  void deployAll() {
    auto totals = h_.settle();
    ASSERT_TRUE(totals.quiet);
    ASSERT_EQ(h_.count(state::kAvailable), kReplicas);
  }
  store::InstanceRecord occupant(int ordinal) {
    auto r = h_.occupant("web", ordinal);
    if (!r) throw std::runtime_error("slot " + std::to_string(ordinal) + " is empty");
    return *r;
  }
  std::uint64_t provisionCalls() { return h_.hypervisor().calls().provision; }

  // Settles, moving the clock past any back-off or grace between rounds, until every slot is
  // Available and nothing is left to do. False if it never gets there.
  bool converge(int rounds = 20) {
    for (int i = 0; i < rounds; ++i) {
      auto totals = h_.settle();
      if (totals.quiet && h_.count(state::kAvailable) == kReplicas &&
          h_.domainCount() == static_cast<std::size_t>(kReplicas)) {
        return true;
      }
      h_.clock().advanceMs(std::max(settings().backoffMaxMs, settings().hostGraceMs));
    }
    return false;
  }

  // No orphan (every Stele domain has a record), no duplicate (one domain per slot),
  // `kReplicas` Available, no open operation, nothing Lost.
  void expectConverged() {
    std::map<std::string, store::InstanceRecord> records;
    for (const auto& r : h_.instances()) records[r.id] = r;
    std::map<std::int64_t, int> perSlot;
    for (const auto& [host, domains] : h_.domains()) {
      for (const auto& [id, info] : domains) {
        auto r = records.find(id);
        ASSERT_NE(r, records.end()) << "orphan domain " << id << " on " << host;
        EXPECT_EQ(r->second.host, host);
        perSlot[r->second.ordinal] += 1;
      }
    }
    EXPECT_EQ(perSlot, (std::map<std::int64_t, int>{{0, 1}, {1, 1}, {2, 1}}));
    EXPECT_EQ(h_.count(state::kAvailable), kReplicas);
    EXPECT_EQ(h_.count(state::kLost), 0);
    EXPECT_TRUE(h_.openOperations().empty());
  }

  ReconcilerHarness h_;
};

TEST_F(ReconcilerScenarioTest, FirstDeployStartsEveryReplicaOnePerHostThenAvailable) {
  auto first = h_.pass();
  EXPECT_EQ(first.stepsDone, 3u);
  EXPECT_EQ(first.stepsFailed, 0u);
  EXPECT_EQ(h_.count(state::kStarting), kReplicas);
  EXPECT_EQ(h_.pass().stepsDone, 3u);
  EXPECT_EQ(h_.count(state::kAvailable), kReplicas);
  EXPECT_EQ(h_.pass().stepsDone, 0u) << "a converged deployment takes no step";
  for (const auto& [host, domains] : h_.domains()) EXPECT_EQ(domains.size(), 1u) << host;
  EXPECT_EQ(h_.events("Provisioned").size(), 3u);
  EXPECT_TRUE(h_.openOperations().empty());
}

TEST_F(ReconcilerScenarioTest, ACrashedInstanceIsDestroyedAndReplacedInItsSlot) {
  deployAll();
  auto victim = occupant(1);
  ASSERT_TRUE(h_.hypervisor().crash(victim.host, victim.id));
  EXPECT_EQ(h_.pass().stepsDone, 1u);
  EXPECT_FALSE(h_.occupant("web", 1).has_value());
  EXPECT_EQ(h_.pass().stepsDone, 1u);
  ASSERT_TRUE(h_.settle().quiet);
  auto replacement = occupant(1);
  EXPECT_NE(replacement.id, victim.id);
  EXPECT_NE(replacement.host, victim.host) << "placed away from where it crashed";
  EXPECT_EQ(replacement.restarts, 1);
  EXPECT_EQ(replacement.state, state::kAvailable);
  ASSERT_EQ(h_.events("Replacing").size(), 1u);
  // on_crash=destroy: a crashed domain is listed as shut off, as libvirt lists it.
  EXPECT_NE(h_.events("Replacing")[0].message.find("domain stopped"), std::string::npos)
      << h_.events("Replacing")[0].message;
  expectConverged();
}

TEST_F(ReconcilerScenarioTest, AFailedProvisionShowsTheSummaryAndNeverTheHypervisorsDetail) {
  for (const auto& host : {"h1", "h2", "h3"}) {
    h_.hypervisor().failNextProvision(
        host, Error{ErrorKind::Internal, "domain_start_failed",
                    "start domain: internal error on the host (libvirt error class QEMU, code 1)",
                    "libvirt says: cannot read /etc/secret-file: first line hunter2"});
  }
  (void)h_.pass();
  auto failed = h_.events("ProvisionFailed");
  ASSERT_FALSE(failed.empty());
  EXPECT_NE(failed[0].message.find("internal error on the host (libvirt error class QEMU"),
            std::string::npos)
      << failed[0].message;
  for (const auto& reason : {"ProvisionFailed", "Provisioning", "StepFailed"}) {
    for (const auto& e : h_.events(reason)) {
      EXPECT_EQ(e.message.find("hunter2"), std::string::npos) << e.message;
    }
  }
  for (const auto& record : h_.instances()) {
    EXPECT_EQ(record.reason.find("hunter2"), std::string::npos) << record.reason;
  }
}

TEST_F(ReconcilerScenarioTest, ACrashLoopBacksOffExactlyAsTheTableSaysAndResetsAfterHealth) {
  deployAll();
  for (std::int64_t n = 1; n <= 5; ++n) {
    auto victim = occupant(0);
    ASSERT_TRUE(h_.hypervisor().crash(victim.host, victim.id));
    h_.pass();  // destroyed, kept as Gone with its failure count
    std::int64_t goneAt = h_.clock().nowMs();
    std::int64_t delay = scheduler::backoffDelayMs(n, settings());
    auto before = provisionCalls();
    if (delay > 0) {
      h_.clock().advanceMs(delay - 1);
      auto waiting = h_.pass();
      EXPECT_EQ(provisionCalls(), before) << "no provision before the delay, failure " << n;
      ASSERT_TRUE(waiting.wakeAtMs.has_value());
      EXPECT_EQ(*waiting.wakeAtMs, goneAt + delay);
      auto condition = h_.reconciler().conditions()["web"];
      EXPECT_EQ(condition.reason, n >= settings().crashLoopAfter ? "CrashLoop" : "BackOff") << n;
      h_.clock().advanceMs(1);
    }
    h_.pass();
    EXPECT_EQ(provisionCalls(), before + 1) << "one provision once due, failure " << n;
    EXPECT_EQ(occupant(0).restarts, n);
    ASSERT_TRUE(h_.settle().quiet);
  }
  EXPECT_FALSE(h_.events("CrashLoop").empty());
  // Available for the reset stretch: the next failure counts as the first again.
  h_.clock().advanceMs(settings().backoffResetMs);
  auto victim = occupant(0);
  ASSERT_TRUE(h_.hypervisor().crash(victim.host, victim.id));
  h_.pass();
  auto before = provisionCalls();
  h_.pass();
  EXPECT_EQ(provisionCalls(), before + 1) << "replaced at once";
  EXPECT_EQ(occupant(0).restarts, 1);
  ASSERT_TRUE(h_.settle().quiet);
  EXPECT_TRUE(h_.reconciler().conditions().empty());
}

TEST_F(ReconcilerScenarioTest, AnInstanceFailingItsHealthCheckIsReplaced) {
  deployAll();
  auto victim = occupant(2);
  h_.health().answers[victim.id] = {false, true, "http 503 three times"};
  EXPECT_EQ(h_.pass().stepsDone, 1u);
  EXPECT_TRUE(h_.hypervisor().instanceState(victim.host, victim.id).error().kind ==
              ErrorKind::NotFound)
      << "the failing domain is destroyed";
  ASSERT_TRUE(h_.settle().quiet);
  EXPECT_NE(occupant(2).id, victim.id);
  auto replacing = h_.events("Replacing");
  ASSERT_EQ(replacing.size(), 1u);
  EXPECT_NE(replacing[0].message.find("health check failed: http 503"), std::string::npos);
  expectConverged();
}

TEST_F(ReconcilerScenarioTest, AnUnreachableHostIsReplacedAfterItsGraceAndFencedOnReturn) {
  deployAll();
  std::string lostHost = occupant(0).host;
  auto victim = occupant(0);
  h_.hypervisor().setReachable(lostHost, false);
  std::int64_t since = h_.clock().nowMs();
  auto waiting = h_.pass();
  EXPECT_EQ(waiting.stepsDone, 0u);
  ASSERT_TRUE(waiting.wakeAtMs.has_value());
  EXPECT_EQ(*waiting.wakeAtMs, since + settings().hostGraceMs);
  h_.clock().advanceMs(settings().hostGraceMs - 1);
  EXPECT_EQ(h_.pass().stepsDone, 0u) << "nothing replaced within the grace period";
  h_.clock().advanceMs(1);
  EXPECT_EQ(h_.pass().stepsDone, 1u);
  EXPECT_EQ(h_.count(state::kLost), 1);
  ASSERT_TRUE(h_.settle().quiet);
  auto replacement = occupant(0);
  EXPECT_NE(replacement.host, lostHost);
  EXPECT_EQ(h_.count(state::kAvailable), kReplicas);
  EXPECT_EQ(h_.events("HostLost").size(), 1u);
  bool rescheduled = false;
  for (const auto& e : h_.events("Provisioned")) {
    rescheduled = rescheduled || e.message.find("replaces " + victim.id + " (lost: host " +
                                                lostHost + " unreachable") != std::string::npos;
  }
  EXPECT_TRUE(rescheduled) << "the replacement's event names the lost instance";

  h_.hypervisor().setReachable(lostHost, true);
  EXPECT_EQ(h_.domainCount(), static_cast<std::size_t>(kReplicas + 1)) << "the old domain is back";
  EXPECT_EQ(h_.pass().stepsDone, 1u);
  EXPECT_EQ(h_.hypervisor().instanceState(lostHost, victim.id).error().kind, ErrorKind::NotFound)
      << "fenced";
  EXPECT_EQ(h_.domainCount(), static_cast<std::size_t>(kReplicas));
  EXPECT_EQ(occupant(0).id, replacement.id) << "the replacement stays";
  auto fenced = h_.events("Fenced");
  ASSERT_EQ(fenced.size(), 1u);
  EXPECT_EQ(fenced[0].instance, victim.id);
  EXPECT_NE(fenced[0].message.find("fenced"), std::string::npos) << fenced[0].message;
  expectConverged();
}

TEST_F(ReconcilerScenarioTest, ARevokedKeyRefusesTheReplacementWhileRunningInstancesStay) {
  deployAll();
  auto survivors = std::vector{occupant(1), occupant(2)};
  ASSERT_TRUE(h_.trust().revoke(h_.key().id));
  auto victim = occupant(0);
  ASSERT_TRUE(h_.hypervisor().crash(victim.host, victim.id));
  auto before = provisionCalls();
  h_.settle();
  EXPECT_EQ(provisionCalls(), before) << "the deploy gate refuses before the hypervisor is asked";
  auto refused = h_.events("ProvisionRefused");
  ASSERT_FALSE(refused.empty());
  EXPECT_NE(refused[0].message.find("deploy gate refused web:0.1.0"), std::string::npos)
      << refused[0].message;
  for (const auto& s : survivors) {
    auto now = h_.occupant("web", static_cast<int>(s.ordinal));
    ASSERT_TRUE(now.has_value());
    EXPECT_EQ(now->id, s.id);
    EXPECT_EQ(now->state, state::kAvailable);
    EXPECT_TRUE(h_.hypervisor().instanceState(s.host, s.id)) << "still runs";
  }
  EXPECT_EQ(h_.domainCount(), 2u);
}

// ---- Restart at every step: make the store and the hosts look as a crash at that step
// would leave them, start a fresh reconciler on the same DB and hypervisor, and converge.

enum class CrashAt {
  ProvisionIntent,      // record Provisioning + open op, no domain yet
  ProvisionDone,        // record Provisioning + open op, the domain runs
  DestroyIntent,        // record Destroying + open op, the domain still there
  DestroyDone,          // record Destroying + open op, the domain gone
  ScaleDownDestroy,     // as DestroyIntent, for a slot no longer wanted
  RecordLostDomainKept  // the record is gone but its domain runs (a stray this server made)
};

struct RestartCase {
  const char* name;
  CrashAt at;
};

class RestartAtEveryStep : public ReconcilerScenarioTest,
                           public ::testing::WithParamInterface<RestartCase> {};

TEST_P(RestartAtEveryStep, AFreshReconcilerConvergesWithNoOrphanNoDuplicateNoOpenOperation) {
  deployAll();
  CrashAt at = GetParam().at;
  if (at == CrashAt::ScaleDownDestroy) {
    h_.apply(deploymentYaml("web", kReplicas + 1));
    ASSERT_TRUE(h_.settle().quiet);
  }
  int ordinal = at == CrashAt::ScaleDownDestroy ? kReplicas : 0;
  auto victim = occupant(ordinal);
  if (at == CrashAt::ScaleDownDestroy) h_.apply(deploymentYaml("web", kReplicas));
  store::InstanceRepository repo(h_.db());
  std::int64_t now = h_.clock().nowMs();
  switch (at) {
    case CrashAt::ProvisionIntent:
    case CrashAt::ProvisionDone:
      ASSERT_TRUE(
          repo.setState(victim.id, std::string(state::kProvisioning), "new instance 0", now));
      ASSERT_TRUE(repo.beginOperation("provision", victim.id, victim.host, now));
      break;
    case CrashAt::DestroyIntent:
    case CrashAt::DestroyDone:
    case CrashAt::ScaleDownDestroy:
      ASSERT_TRUE(repo.setState(victim.id, std::string(state::kDestroying), "domain crashed", now));
      ASSERT_TRUE(repo.beginOperation("destroy", victim.id, victim.host, now));
      break;
    case CrashAt::RecordLostDomainKept:
      ASSERT_TRUE(repo.remove(victim.id));
      break;
  }
  if (at == CrashAt::ProvisionIntent || at == CrashAt::DestroyDone) {
    ASSERT_TRUE(h_.hypervisor().destroy(victim.host, victim.id));
  }

  h_.restart();
  ASSERT_TRUE(h_.openOperations().empty()) << "recover() closes what the old process left open";
  ASSERT_TRUE(converge());
  expectConverged();
  bool victimStays = at == CrashAt::ProvisionDone;
  EXPECT_EQ(occupant(0).id == victim.id, victimStays) << "adopted only when its domain is there";
}

INSTANTIATE_TEST_SUITE_P(
    Steps, RestartAtEveryStep,
    ::testing::Values(RestartCase{"ProvisionIntent", CrashAt::ProvisionIntent},
                      RestartCase{"ProvisionDone", CrashAt::ProvisionDone},
                      RestartCase{"DestroyIntent", CrashAt::DestroyIntent},
                      RestartCase{"DestroyDone", CrashAt::DestroyDone},
                      RestartCase{"ScaleDownDestroy", CrashAt::ScaleDownDestroy},
                      RestartCase{"RecordLostDomainKept", CrashAt::RecordLostDomainKept}),
    [](const auto& info) { return std::string(info.param.name); });

// ---- Property: random faults never over-provision, and the system converges once they stop.

class RandomFaults : public ReconcilerScenarioTest,
                     public ::testing::WithParamInterface<std::uint64_t> {};

TEST_P(RandomFaults, NeverMoreDomainsThanReplicasPlusLostAndConvergeOnceFaultsStop) {
  deployAll();
  SeededRandom random(GetParam());
  const auto& hosts = h_.hostNames();
  for (int step = 0; step < 150; ++step) {
    injectRandomFault(h_, random);
    h_.pass();
    int lost = h_.count(state::kLost);
    ASSERT_LE(h_.domainCount(), static_cast<std::size_t>(kReplicas + lost))
        << "step " << step << ", seed " << GetParam();
    std::map<std::int64_t, int> occupants;
    for (const auto& r : h_.instances()) occupants[r.ordinal] += state::occupiesSlot(r.state);
    for (const auto& [ordinal, n] : occupants) {
      ASSERT_LE(n, 1) << "slot " << ordinal << " doubled at step " << step;
    }
  }
  for (const auto& host : hosts) h_.hypervisor().setReachable(host, true);
  h_.health().answers.clear();
  ASSERT_TRUE(converge(40)) << "seed " << GetParam();
  expectConverged();
}

INSTANTIATE_TEST_SUITE_P(Seeds, RandomFaults, ::testing::Values(1, 2, 3, 4, 5, 6, 7, 8));

}  // namespace
}  // namespace stele::testing
