// Rollouts against a real `stele server` on test-driver hosts, its reconciler running for
// real, health answered by a script (a thread writing `--test-health-dir` files: instances of
// a "broken" image version fail, every other passes), and `stele rollout ...` run as a user
// runs it. Waits are bounded polls; the CLI is bounded by its own --timeout.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "tests/support/deploy_fixture.h"
#include "tests/support/registry_client.h"
#include "tests/support/run_command.h"

namespace stele::testing {
namespace {

using namespace std::chrono_literals;

const std::string kSpec =
    "  healthCheck:\n    http: {port: 80}\n"
    "  strategy:\n    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}\n";

class RolloutApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* version : {"0.1.0", "0.2.0", "0.3.0", "0.4.0"}) fx_.pushImage("web", version);
    ASSERT_EQ(fx_.addHost("large", "large"), 201);
    script_ = std::thread([this] { answerHealth(); });
    ASSERT_EQ(fx_.apply(webYaml(2, "web:0.1.0", kSpec)).status, 200);
    ASSERT_TRUE(allOn("0.1.0")) << fx_.instances("web").dump(2) << fx_.events().dump(2);
    // As a pipeline would: the first rollout is recorded Complete (the pass after its
    // instances are Available), so revision 1 is a rollback target.
    ASSERT_EQ(stele({"rollout", "status", "web", "--timeout", "60s"}).exitStatus, 0);
  }
  void TearDown() override {
    stop_ = true;
    script_.join();
  }

  // Every Starting instance gets its answer once: a fail for the broken version. Instances of
  // the flapping version pass, then fail once they are Available. Also records the most
  // instances that held a slot at once.
  void answerHealth() {
    cli::HttpClient client = fx_.server().admin();
    std::set<std::string> answered;
    std::set<std::string> flipped;
    while (!stop_) {
      auto r = client.request("GET", "/v1/instances?deployment=web");
      if (r && r->status == 200) {
        nlohmann::json items = nlohmann::json::parse(r->body)["items"];
        int holding = 0;
        for (const auto& i : items) {
          std::string id = i["id"];
          std::string state = i["state"];
          holding += state != "Gone" && state != "Lost" ? 1 : 0;
          bool flapping = i["image"]["version"] == flapping_;
          if (flapping && state == "Available" && flipped.insert(id).second) {
            fx_.setHealth(id, "fail: http 503 (scripted flap)");
          }
          if (state != "Starting" || answered.count(id) != 0) continue;
          answered.insert(id);
          bool broken = i["image"]["version"] == broken_;
          fx_.setHealth(id, broken ? "fail: http 500 (scripted)" : "pass");
        }
        mostHolding_ = std::max(mostHolding_.load(), holding);
      }
      std::this_thread::sleep_for(20ms);
    }
  }

  // Both replicas Available on `version`, nothing else running.
  bool allOn(const std::string& version, std::chrono::seconds timeout = 60s) {
    return fx_.waitFor(
        "web",
        [&](const nlohmann::json& items) {
          int n = 0;
          for (const auto& i : items) {
            if (i["state"] == "Gone") continue;
            if (i["state"] != "Available" || i["image"]["version"] != version) return false;
            ++n;
          }
          return n == 2;
        },
        timeout);
  }

  CommandResult stele(std::vector<std::string> args) {
    args.insert(args.begin(), STELE_BINARY);
    return runCommand(
        args, {{"STELE_SERVER", fx_.server().url()}, {"STELE_TOKEN", fx_.server().adminToken()}});
  }
  nlohmann::json get(const std::string& path) {
    auto r = fx_.admin().request("GET", path);
    return r && r->status == 200 ? nlohmann::json::parse(r->body) : nlohmann::json();
  }

  // Polls the rollout until its canary phase is `phase` (bounded).
  bool canaryPhase(const std::string& phase, std::chrono::seconds timeout = 60s) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      auto r = get("/v1/deployments/web/rollout");
      if (r.contains("canary") && r["canary"]["phase"] == phase) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }
  std::map<std::string, std::string> versionsById() {
    std::map<std::string, std::string> out;
    for (const auto& i : fx_.instances("web")) {
      if (i["state"] != "Gone") out[i["id"]] = i["image"]["version"];
    }
    return out;
  }
  bool eventSaid(const std::string& reason, const std::string& words) {
    for (const auto& e : fx_.events("?deployment=web&limit=5000")) {
      if (e["reason"] == reason &&
          e["message"].get<std::string>().find(words) != std::string::npos) {
        return true;
      }
    }
    return false;
  }

  DeployFixture fx_;
  std::atomic<bool> stop_{false};
  const std::string broken_ = "0.3.0";
  const std::string flapping_ = "0.4.0";
  std::atomic<int> mostHolding_{0};
  std::thread script_;
};

TEST_F(RolloutApiTest, ARollingUpdateCompletesAndRolloutStatusExitsZero) {
  ASSERT_EQ(fx_.apply(webYaml(2, "web:0.2.0", kSpec)).status, 200);
  auto status = stele({"rollout", "status", "web", "--timeout", "60s"});
  EXPECT_EQ(status.exitStatus, 0) << status.out << status.err;
  EXPECT_NE(status.out.find("rollout of revision 2 complete"), std::string::npos) << status.out;
  EXPECT_TRUE(allOn("0.2.0"));
  auto history = get("/v1/deployments/web/revisions")["items"];
  ASSERT_EQ(history.size(), 2u) << history.dump(2);
  EXPECT_EQ(history[0]["revision"], 2);
  EXPECT_EQ(history[0]["current"], true);
  EXPECT_EQ(history[0]["outcome"], "Complete");
  EXPECT_EQ(history[0]["image"]["version"], "0.2.0");
  EXPECT_EQ(history[0]["image"]["digest"].get<std::string>().rfind("sha256:", 0), 0u);
  EXPECT_EQ(history[0]["signerKeys"].size(), 1u);
  EXPECT_EQ(history[0]["appliedBy"].get<std::string>().rfind("token ", 0), 0u);
  EXPECT_EQ(history[1]["outcome"], "Complete");
  auto table = stele({"rollout", "history", "web"});
  EXPECT_EQ(table.exitStatus, 0) << table.err;
  EXPECT_NE(table.out.find("2*"), std::string::npos) << table.out;
}

TEST_F(RolloutApiTest, ABrokenVersionIsRolledBackAndRolloutStatusExitsOne) {
  ASSERT_EQ(fx_.apply(webYaml(2, "web:0.3.0", kSpec)).status, 200);
  auto status = stele({"rollout", "status", "web", "--timeout", "120s"});
  EXPECT_EQ(status.exitStatus, 1) << status.out << status.err;
  EXPECT_NE(status.out.find("rollout of revision 2 failed: 3 instances of revision 2 failed"),
            std::string::npos)
      << status.out;
  EXPECT_NE(status.out.find("rolled back to revision 1"), std::string::npos) << status.out;
  ASSERT_TRUE(allOn("0.1.0"));
  auto rollout = get("/v1/deployments/web/rollout");
  EXPECT_EQ(rollout["revision"], 1);
  EXPECT_EQ(rollout["rollbackOf"], 2);
  auto history = get("/v1/deployments/web/revisions")["items"];
  bool failed = false;
  for (const auto& r : history) failed = failed || (r["revision"] == 2 && r["outcome"] == "Failed");
  EXPECT_TRUE(failed) << history.dump(2);
  bool rolledBack = false;
  for (const auto& e : fx_.events("?deployment=web&limit=5000")) {
    rolledBack = rolledBack || e["reason"] == "RolledBack";
  }
  EXPECT_TRUE(rolledBack);
}

TEST_F(RolloutApiTest, UndoGoesBackToAChosenRevision) {
  ASSERT_EQ(fx_.apply(webYaml(2, "web:0.2.0", kSpec)).status, 200);
  ASSERT_EQ(stele({"rollout", "status", "web", "--timeout", "60s"}).exitStatus, 0);
  auto undo = stele({"rollout", "undo", "web", "--to-revision", "1"});
  EXPECT_EQ(undo.exitStatus, 0) << undo.err;
  EXPECT_EQ(stele({"rollout", "status", "web", "--timeout", "60s"}).exitStatus, 0);
  EXPECT_TRUE(allOn("0.1.0"));
  EXPECT_EQ(get("/v1/deployments/web/rollout")["revision"], 1) << "same template, same revision";
  auto again = stele({"rollout", "undo", "web", "--to-revision", "1"});
  EXPECT_EQ(again.exitStatus, 1);
  EXPECT_NE(again.err.find("already current"), std::string::npos) << again.err;
  auto missing = stele({"rollout", "undo", "web", "--to-revision", "9"});
  EXPECT_EQ(missing.exitStatus, 1);
  EXPECT_NE(missing.err.find("has no revision 9"), std::string::npos) << missing.err;
}

TEST_F(RolloutApiTest, APausedDeploymentRollsNothingUntilResumed) {
  ASSERT_EQ(stele({"rollout", "pause", "web"}).exitStatus, 0);
  ASSERT_EQ(fx_.apply(webYaml(2, "web:0.2.0", kSpec)).status, 200);
  auto paused = stele({"rollout", "status", "web", "--timeout", "2s"});
  EXPECT_EQ(paused.exitStatus, 2) << "a paused rollout does not end: " << paused.out;
  EXPECT_NE(paused.out.find("[paused"), std::string::npos) << paused.out;
  EXPECT_EQ(get("/v1/deployments/web/rollout")["state"], "Paused");
  for (const auto& i : fx_.instances("web")) EXPECT_EQ(i["image"]["version"], "0.1.0");
  ASSERT_EQ(stele({"rollout", "resume", "web"}).exitStatus, 0);
  EXPECT_EQ(stele({"rollout", "status", "web", "--timeout", "60s"}).exitStatus, 0);
  EXPECT_TRUE(allOn("0.2.0"));
  auto notPaused = stele({"rollout", "resume", "web"});
  EXPECT_EQ(notPaused.exitStatus, 1);
  EXPECT_NE(notPaused.err.find("is not paused"), std::string::npos) << notPaused.err;
}

std::string canarySpec(const std::string& canary) {
  return "  healthCheck:\n    http: {port: 80}\n"
         "  strategy:\n    type: Canary\n"
         "    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}\n"
         "    canary: " +
         canary + "\n";
}

TEST_F(RolloutApiTest, ACanaryRunsBesideTheOldInstancesForItsAnalysisThenRollsOn) {
  ASSERT_EQ(
      fx_.apply(webYaml(2, "web:0.2.0", canarySpec("{instances: 1, analysisMs: 3000}"))).status,
      200);
  ASSERT_TRUE(canaryPhase("Analysis")) << get("/v1/deployments/web/rollout").dump(2);
  auto during = versionsById();
  EXPECT_EQ(std::count_if(during.begin(), during.end(),
                          [](const auto& kv) { return kv.second == "0.1.0"; }),
            2)
      << "no old instance goes while the canary is analysed";
  EXPECT_EQ(during.size(), 3u) << "one canary beside the two replicas";
  EXPECT_FALSE(get("/v1/deployments/web/rollout")["canary"]["analysisEndsAt"].is_null());
  auto status = stele({"rollout", "status", "web", "--timeout", "60s"});
  EXPECT_EQ(status.exitStatus, 0) << status.out << status.err;
  EXPECT_NE(status.out.find("[canary: analysis until"), std::string::npos) << status.out;
  EXPECT_TRUE(allOn("0.2.0"));
  EXPECT_TRUE(eventSaid("Promoted", "stayed healthy for the analysis window (3000 ms)"));
  EXPECT_EQ(get("/v1/deployments/web/rollout")["canary"]["phase"], "Complete");
}

TEST_F(RolloutApiTest, AManualCanaryWaitsForPromoteAndOnlyACanaryInItsPhaseIsPromoted) {
  ASSERT_EQ(fx_.apply(webYaml(2, "web:0.2.0", canarySpec("{manual: true}"))).status, 200);
  ASSERT_TRUE(canaryPhase("AwaitingPromotion")) << get("/v1/deployments/web/rollout").dump(2);
  auto waiting = stele({"rollout", "status", "web", "--timeout", "2s"});
  EXPECT_EQ(waiting.exitStatus, 2) << waiting.out;
  EXPECT_NE(waiting.out.find("[canary: waiting for stele rollout promote web]"), std::string::npos)
      << waiting.out;
  EXPECT_EQ(versionsById().size(), 3u) << "held: the canary and both old replicas";
  auto promote = stele({"rollout", "promote", "web"});
  EXPECT_EQ(promote.exitStatus, 0) << promote.err;
  EXPECT_EQ(stele({"rollout", "status", "web", "--timeout", "60s"}).exitStatus, 0);
  EXPECT_TRUE(allOn("0.2.0"));
  EXPECT_TRUE(eventSaid("Promoted", "promoted by token"));
  auto again = stele({"rollout", "promote", "web"});
  EXPECT_EQ(again.exitStatus, 1);
  EXPECT_NE(again.err.find("is not rolling out"), std::string::npos) << again.err;

  ASSERT_EQ(fx_.apply(webYaml(2, "web:0.3.0", kSpec)).status, 200);
  auto rolling = fx_.admin().request("POST", "/v1/deployments/web/promote");
  ASSERT_TRUE(rolling);
  EXPECT_EQ(rolling->status, 409) << rolling->body;
  EXPECT_NE(rolling->body.find("not_canary"), std::string::npos) << rolling->body;
}

TEST_F(RolloutApiTest, AFailingCanaryIsAbortedAndRolledBackWithNoOldInstanceReplaced) {
  auto before = versionsById();
  ASSERT_EQ(
      fx_.apply(webYaml(2, "web:0.3.0", canarySpec("{instances: 1, analysisMs: 600000}"))).status,
      200);
  auto status = stele({"rollout", "status", "web", "--timeout", "120s"});
  EXPECT_EQ(status.exitStatus, 1) << status.out << status.err;
  EXPECT_NE(status.out.find("rolled back to revision 1"), std::string::npos) << status.out;
  ASSERT_TRUE(allOn("0.1.0"));
  EXPECT_EQ(versionsById(), before) << "the old instances ran through it all";
  EXPECT_EQ(get("/v1/deployments/web/rollout")["rollbackOf"], 2);
}

TEST_F(RolloutApiTest, ARestartReplacesEveryInstanceAtTheSameRevision) {
  auto before = versionsById();
  auto restart = stele({"rollout", "restart", "web"});
  EXPECT_EQ(restart.exitStatus, 0) << restart.err;
  EXPECT_NE(restart.out.find("restart: revision 1"), std::string::npos) << restart.out;
  auto status = stele({"rollout", "status", "web", "--timeout", "60s"});
  EXPECT_EQ(status.exitStatus, 0) << status.out << status.err;
  ASSERT_TRUE(allOn("0.1.0"));
  for (const auto& [id, version] : versionsById()) {
    EXPECT_EQ(before.count(id), 0u) << id << " was not replaced";
  }
  auto rollout = get("/v1/deployments/web/rollout");
  EXPECT_EQ(rollout["revision"], 1) << "the same revision";
  EXPECT_FALSE(rollout["restartedAt"].is_null());
  EXPECT_EQ(get("/v1/deployments/web/revisions")["items"].size(), 1u);
  EXPECT_TRUE(eventSaid("Restarted", "every instance is replaced"));

  ASSERT_EQ(stele({"rollout", "pause", "web"}).exitStatus, 0);
  ASSERT_EQ(fx_.apply(webYaml(2, "web:0.2.0", kSpec)).status, 200);
  auto busy = stele({"rollout", "restart", "web"});
  EXPECT_EQ(busy.exitStatus, 1);
  EXPECT_NE(busy.err.find("is still rolling out"), std::string::npos) << busy.err;
}

TEST_F(RolloutApiTest, RecreateStopsEveryOldInstanceBeforeTheNewRevisionStarts) {
  const std::string recreate =
      "  healthCheck:\n    http: {port: 80}\n  strategy: {type: Recreate}\n";
  std::atomic<bool> mixed{false};
  std::atomic<bool> watching{true};
  std::thread watcher([&] {
    cli::HttpClient client = fx_.server().admin();  // its own: a client is one connection
    while (watching) {
      auto r = client.request("GET", "/v1/instances?deployment=web");
      if (r && r->status == 200) {
        nlohmann::json items = nlohmann::json::parse(r->body)["items"];
        std::set<std::string> versions;
        for (const auto& i : items) {
          if (i["state"] != "Gone") versions.insert(i["image"]["version"].get<std::string>());
        }
        if (versions.size() > 1) mixed = true;
      }
      std::this_thread::sleep_for(10ms);
    }
  });
  ASSERT_EQ(fx_.apply(webYaml(2, "web:0.2.0", recreate)).status, 200);
  auto status = stele({"rollout", "status", "web", "--timeout", "60s"});
  watching = false;
  watcher.join();
  EXPECT_EQ(status.exitStatus, 0) << status.out << status.err;
  EXPECT_TRUE(allOn("0.2.0"));
  EXPECT_FALSE(mixed) << "an instance of 0.1.0 and one of 0.2.0 held slots at the same time";
}

TEST_F(RolloutApiTest, AFlappingHealthCheckEndsTheRolloutWithinItsBounds) {
  mostHolding_ = 0;
  // minReadyMs: an instance counts as available only after 1.5 s of continuous health, which
  // a flapping one (failing within a probe or two of passing) never reaches.
  ASSERT_EQ(fx_.apply(webYaml(2, "web:0.4.0", kSpec + "  minReadyMs: 1500\n")).status, 200);
  auto status = stele({"rollout", "status", "web", "--timeout", "120s"});
  EXPECT_EQ(status.exitStatus, 1) << "instances that pass and then fail do not keep it alive: "
                                  << status.out << status.err;
  EXPECT_NE(status.out.find("rolled back to revision 1"), std::string::npos) << status.out;
  ASSERT_TRUE(allOn("0.1.0"));
  EXPECT_LE(mostHolding_.load(), 3) << "2 replicas + maxSurge 1, never more";
  auto history = get("/v1/deployments/web/revisions")["items"];
  for (const auto& r : history) {
    if (r["revision"] == 2) {
      EXPECT_EQ(r["outcome"], "Failed") << r.dump(2);
    }
  }
}

TEST_F(RolloutApiTest, RolloutRoutesNeedTheDeployerRoleAndAKnownDeployment) {
  auto viewer = fx_.server().client(createToken(fx_.admin(), "viewer"));
  auto r = viewer.request("POST", "/v1/deployments/web/pause");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403) << r->body;
  auto unknown = fx_.admin().request("GET", "/v1/deployments/nope/rollout");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404) << unknown->body;
  auto bad = fx_.admin().request("POST", "/v1/deployments/web/undo?toRevision=x");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400) << bad->body;
  EXPECT_NE(bad->body.find("toRevision"), std::string::npos);
}

}  // namespace
}  // namespace stele::testing
