// kill -9 of the server at each recorded step of the reconciler (crashpoints), then a restart:
// the server closes the interrupted operations, finishes or rolls back from the instance
// states, and converges to exactly `replicas` available instances, one per slot.
//
// Hosts here are on libvirt's test driver, whose domains live in the server's connection, so
// a restarted server finds none of the old domains and must notice and replace them; the
// orphan-domain side of restarts is proved against a real libvirtd by the reconciler scenario
// and e2e tests.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <thread>

#include "tests/support/deploy_fixture.h"

namespace stele::testing {
namespace {

using namespace std::chrono_literals;

struct CrashCase {
  const char* crashpoint;
  int replicasBefore;  // applied, and awaited, before the crashpoint is armed
  int replicasAfter;   // applied with the crashpoint armed
};

class DeploymentCrashTest : public ::testing::TestWithParam<CrashCase> {};

bool converged(const nlohmann::json& items, int replicas) {
  std::set<int> ordinals;
  for (const auto& i : items) {
    if (i["state"] != "Available") return false;
    ordinals.insert(i["ordinal"].get<int>());
  }
  return static_cast<int>(items.size()) == replicas &&
         static_cast<int>(ordinals.size()) == replicas;
}

// Waits for the server to kill itself at its crashpoint, then starts it again unarmed.
void restartAfterTheKill(DeployFixture& fx) {
  int status = fx.server().waitExitFor(30s);
  ASSERT_NE(status, -1) << "the crashpoint was never reached:\n" << fx.server().logText();
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  fx.server().setEnvironment({});
  fx.server().start();
  fx.reconnect();
}

TEST_P(DeploymentCrashTest, RestartAfterAKillAtTheStepConvergesWithoutDuplicates) {
  const CrashCase& c = GetParam();
  // Armed from the start: provisions before a destroy crashpoint pass by it.
  DeployFixture fx({}, {{"STELE_CRASHPOINT", c.crashpoint}});
  fx.pushImage("web", "0.1.0");
  ASSERT_EQ(fx.addHost("large", "large"), 201);
  if (c.replicasBefore > 0) {
    ASSERT_EQ(fx.apply(webYaml(c.replicasBefore)).status, 200);
    ASSERT_TRUE(
        fx.waitFor("web", [&](const nlohmann::json& i) { return converged(i, c.replicasBefore); }));
  }
  auto admin = fx.server().admin();
  (void)admin.request("POST", "/v1/apply", webYaml(c.replicasAfter),
                      {{"Content-Type", "application/yaml"}});
  ASSERT_NO_FATAL_FAILURE(restartAfterTheKill(fx));
  DeployFixture* f = &fx;
  ASSERT_TRUE(fx.waitFor(
      "web", [&](const nlohmann::json& items) { return converged(items, c.replicasAfter); }))
      << f->instances("web").dump(2) << "\n"
      << fx.server().logText();
  bool resumed = false;
  for (const auto& e : fx.events("?limit=5000")) resumed = resumed || e["reason"] == "Resuming";
  EXPECT_TRUE(resumed) << "the interrupted operation was closed and reported";
  auto again = fx.server().admin().request("POST", "/v1/apply", webYaml(c.replicasAfter),
                                           {{"Content-Type", "application/yaml"}});
  ASSERT_TRUE(again);
  EXPECT_EQ(jsonOf(*again)["changed"], false) << "the apply committed before the crash";
}

// The intents of a batch of provisions (ReconcilerOptions::intentBatch) are stored in one
// commit before the first side effect: a kill at the first provision finds all three recorded,
// each one is closed as interrupted on restart, and the slots converge with no duplicate.
TEST(DeploymentCrashBatchTest, AKillAfterABatchsIntentsFindsEveryIntentRecordedAndConverges) {
  DeployFixture fx({}, {{"STELE_CRASHPOINT", "provision-intent"}});
  fx.pushImage("web", "0.1.0");
  ASSERT_EQ(fx.addHost("large", "large"), 201);
  (void)fx.server().admin().request("POST", "/v1/apply", webYaml(3),
                                    {{"Content-Type", "application/yaml"}});
  ASSERT_NO_FATAL_FAILURE(restartAfterTheKill(fx));
  ASSERT_TRUE(fx.waitFor("web", [&](const nlohmann::json& items) { return converged(items, 3); }))
      << fx.instances("web").dump(2);
  int resumed = 0;
  for (const auto& e : fx.events("?limit=5000")) resumed += e["reason"] == "Resuming" ? 1 : 0;
  EXPECT_EQ(resumed, 3) << "all three intents were durable before the first provision";
}

// A kill in the middle of a rollout (at its first destroy of an old instance, after the surge
// instance is up): the restarted server resumes the rollout from the store and completes it,
// every replica on the new revision, one per slot.
TEST(DeploymentCrashRolloutTest, AKillMidRolloutResumesAndCompletesTheRollout) {
  DeployFixture fx({}, {{"STELE_CRASHPOINT", "destroy-intent"}});
  fx.pushImage("web", "0.1.0");
  fx.pushImage("web", "0.2.0");
  ASSERT_EQ(fx.addHost("large", "large"), 201);
  const std::string strategy = "  strategy:\n    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}\n";
  ASSERT_EQ(fx.apply(webYaml(2, "web:0.1.0", strategy)).status, 200);
  ASSERT_TRUE(fx.waitFor("web", [&](const nlohmann::json& i) { return converged(i, 2); }));
  (void)fx.server().admin().request("POST", "/v1/apply", webYaml(2, "web:0.2.0", strategy),
                                    {{"Content-Type", "application/yaml"}});
  ASSERT_NO_FATAL_FAILURE(restartAfterTheKill(fx));
  ASSERT_TRUE(fx.waitFor("web", [&](const nlohmann::json& items) {
    if (!converged(items, 2)) return false;
    for (const auto& i : items) {
      if (i["image"]["version"] != "0.2.0") return false;
    }
    return true;
  })) << fx.instances("web").dump(2);
  auto rollout = fx.server().admin().request("GET", "/v1/deployments/web/rollout");
  ASSERT_TRUE(rollout);
  auto body = jsonOf(*rollout);
  EXPECT_EQ(body["revision"], 2);
  EXPECT_TRUE(fx.waitFor("web", [&](const nlohmann::json&) {
    auto r = fx.server().admin().request("GET", "/v1/deployments/web/rollout");
    return r && jsonOf(*r)["state"] == "Complete";
  })) << body.dump(2);
}

INSTANTIATE_TEST_SUITE_P(Crashpoints, DeploymentCrashTest,
                         ::testing::Values(CrashCase{"provision-intent", 0, 2},
                                           CrashCase{"provision-done", 0, 2},
                                           CrashCase{"destroy-intent", 2, 1},
                                           CrashCase{"destroy-done", 2, 1}),
                         [](const auto& info) {
                           std::string name = info.param.crashpoint;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace stele::testing
