// Deployments against a real `stele server`: hosts on libvirt's test driver (our own host
// XMLs), signed test images, the reconciler running for real, and health answers scripted
// through files. Waits are bounded polls of the API, never fixed sleeps.
#include <gtest/gtest.h>

#include <thread>

#include "tests/support/deploy_fixture.h"

namespace stele::testing {
namespace {

using namespace std::chrono_literals;

class DeploymentApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fx_.pushImage("web", "0.1.0");
    ASSERT_EQ(fx_.addHost("small", "small", R"({"zone":"a"})"), 201);
    ASSERT_EQ(fx_.addHost("large", "large", R"({"zone":"b"})"), 201);
  }

  bool waitAvailable(int n, std::chrono::seconds timeout = 30s) {
    return fx_.waitFor(
        "web",
        [n](const nlohmann::json& items) {
          return DeployFixture::count(items, "Available") == n &&
                 static_cast<int>(items.size()) == n;
        },
        timeout);
  }

  static std::set<std::string> ids(const nlohmann::json& items) {
    std::set<std::string> out;
    for (const auto& i : items) out.insert(i["id"].get<std::string>());
    return out;
  }

  DeployFixture fx_;
};

TEST_F(DeploymentApiTest, FirstDeployRunsEveryReplicaAndReapplyingChangesNothing) {
  auto first = fx_.apply(webYaml(2));
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(jsonOf(first)["items"][0]["action"], "created");
  EXPECT_EQ(jsonOf(first)["items"][1]["action"], "created");
  ASSERT_TRUE(waitAvailable(2)) << fx_.instances("web").dump(2);
  auto items = fx_.instances("web");
  std::set<std::string> addresses;
  std::set<std::string> hosts;
  for (const auto& i : items) {
    hosts.insert(i["host"].get<std::string>());
    EXPECT_EQ(i["image"]["version"], "0.1.0");
    EXPECT_TRUE(i["image"]["digest"].get<std::string>().starts_with("sha256:"));
    EXPECT_EQ(i["image"]["signerKeys"][0], fx_.key().id);
    addresses.insert(i["addresses"]["dmz"].get<std::string>());
  }
  EXPECT_EQ(addresses, (std::set<std::string>{"10.0.0.10", "10.0.0.11"}));
  EXPECT_EQ(hosts, (std::set<std::string>{"small", "large"})) << "replicas spread across hosts";

  auto again = fx_.apply(webYaml(2));
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(jsonOf(again)["changed"], false);
  EXPECT_EQ(jsonOf(again)["items"][1]["action"], "unchanged");
  EXPECT_EQ(ids(fx_.instances("web")), ids(items)) << "nothing was replaced";

  auto one =
      jsonOf(*fx_.admin().request("GET", "/v1/instances/" + items[0]["id"].get<std::string>()));
  ASSERT_GE(one["history"].size(), 3u) << one.dump(2);
  EXPECT_EQ(one["history"][0]["state"], "Provisioning");
  EXPECT_EQ(one["history"].back()["state"], "Available");
  auto deployment = jsonOf(*fx_.admin().request("GET", "/v1/deployments/web"));
  EXPECT_EQ(deployment["status"]["availableInstances"], 2);
  EXPECT_EQ(deployment["metadata"]["generation"], 1);
  auto metrics = fx_.admin().request("GET", "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("stele_instances{state=\"Available\"} 2"), std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("stele_provisions_total 2"), std::string::npos) << metrics->body;
}

TEST_F(DeploymentApiTest, ScalingUpAddsInstancesAndScalingDownRemovesTheHighestOrdinals) {
  ASSERT_EQ(fx_.apply(webYaml(1)).status, 200);
  ASSERT_TRUE(waitAvailable(1));
  auto first = ids(fx_.instances("web"));
  ASSERT_EQ(fx_.apply(webYaml(3)).status, 200);
  ASSERT_TRUE(waitAvailable(3)) << fx_.instances("web").dump(2);
  auto three = fx_.instances("web");
  EXPECT_TRUE(ids(three).count(*first.begin())) << "scaling up keeps what runs";
  ASSERT_EQ(fx_.apply(webYaml(1)).status, 200);
  ASSERT_TRUE(waitAvailable(1)) << fx_.instances("web").dump(2);
  EXPECT_EQ(ids(fx_.instances("web")), first) << "scaling makes no new revision: nothing replaced";
  EXPECT_EQ(fx_.instances("web")[0]["ordinal"], 0);
}

TEST_F(DeploymentApiTest, DeletingADeploymentDestroysItsInstancesAndFreesItsImage) {
  ASSERT_EQ(fx_.apply(webYaml(2)).status, 200);
  ASSERT_TRUE(waitAvailable(2));
  auto refused = fx_.admin().request("DELETE", "/v1/images/web/versions/0.1.0");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 409);
  EXPECT_EQ(errorCode(*refused), "image_in_use");
  auto netRefused = fx_.admin().request("DELETE", "/v1/networks/dmz");
  EXPECT_EQ(errorCode(*netRefused), "network_in_use");
  ASSERT_EQ(fx_.admin().request("DELETE", "/v1/deployments/web")->status, 204);
  ASSERT_TRUE(fx_.waitFor("web", [](const nlohmann::json& items) { return items.empty(); }));
  auto hosts = jsonOf(*fx_.admin().request("GET", "/v1/hosts/small"));
  EXPECT_EQ(hosts["instances"], 0) << "the domains are gone from the host";
  EXPECT_EQ(fx_.admin().request("DELETE", "/v1/images/web/versions/0.1.0")->status, 204);
  EXPECT_EQ(fx_.admin().request("DELETE", "/v1/networks/dmz")->status, 204);
  EXPECT_EQ(fx_.admin().request("GET", "/v1/deployments/web")->status, 404);
}

TEST_F(DeploymentApiTest, ADeletedInstanceIsReplacedInItsSlot) {
  ASSERT_EQ(fx_.apply(webYaml(2)).status, 200);
  ASSERT_TRUE(waitAvailable(2));
  auto before = fx_.instances("web");
  std::string victim = before[0]["id"];
  ASSERT_EQ(fx_.admin().request("DELETE", "/v1/instances/" + victim)->status, 202);
  ASSERT_TRUE(fx_.waitFor("web", [&](const nlohmann::json& items) {
    return DeployFixture::count(items, "Available") == 2 && !ids(items).count(victim);
  })) << fx_.instances("web").dump(2);
  auto after = fx_.instances("web");
  EXPECT_EQ(after[0]["ordinal"], 0);
  EXPECT_EQ(after[0]["addresses"]["dmz"], "10.0.0.10")
      << "the replacement takes the slot's address";
  EXPECT_EQ(after[1]["id"], before[1]["id"]) << "the other instance is untouched";
}

TEST_F(DeploymentApiTest, AnInstanceFailingItsHealthCheckIsReplaced) {
  ASSERT_EQ(fx_.apply(webYaml(1, "web:0.1.0", "  healthCheck:\n    http: {port: 80}\n")).status,
            200);
  ASSERT_TRUE(fx_.waitFor("web", [](const nlohmann::json& items) {
    return DeployFixture::count(items, "Starting") == 1;
  }));
  std::string first = fx_.instances("web")[0]["id"];
  EXPECT_FALSE(waitAvailable(1, 1s)) << "not available before its check passes";
  fx_.setHealth(first, "pass");
  ASSERT_TRUE(waitAvailable(1));
  fx_.setHealth(first, "fail: http 503");
  ASSERT_TRUE(fx_.waitFor("web", [&](const nlohmann::json& items) {
    return items.size() == 1 && items[0]["id"] != first && items[0]["state"] == "Starting";
  })) << fx_.instances("web").dump(2);
  bool sawReason = false;
  for (const auto& e : fx_.events("?instance=" + first)) {
    sawReason = sawReason || e["message"].get<std::string>().find("http 503") != std::string::npos;
  }
  EXPECT_TRUE(sawReason) << fx_.events("?instance=" + first).dump(2);
}

TEST_F(DeploymentApiTest, RepeatedFailuresBackOffAndShowAsCrashLoop) {
  ASSERT_EQ(fx_.apply(webYaml(1, "web:0.1.0", "  healthCheck:\n    http: {port: 80}\n")).status,
            200);
  std::set<std::string> failed;
  auto deadline = std::chrono::steady_clock::now() + 40s;
  while (failed.size() < 5 && std::chrono::steady_clock::now() < deadline) {
    for (const auto& i : fx_.instances("web")) {
      std::string id = i["id"];
      if (i["state"] == "Starting" && !failed.count(id)) {
        fx_.setHealth(id, "fail: never healthy");
        failed.insert(id);
      }
    }
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_GE(failed.size(), 5u);
  bool crashLoop = false, backOff = false;
  for (const auto& e : fx_.events("?deployment=web&limit=5000")) {
    crashLoop = crashLoop || e["reason"] == "CrashLoop";
    backOff = backOff || e["reason"] == "BackOff";
  }
  EXPECT_TRUE(backOff);
  EXPECT_TRUE(crashLoop) << fx_.events("?deployment=web").dump(2);
  auto items = fx_.instances("web");
  ASSERT_FALSE(items.empty());
  EXPECT_GE(items.back()["restarts"].get<int>(), 3) << items.dump(2);
}

TEST_F(DeploymentApiTest, DryRunShowsThePlanPerHostAndChangesNothing) {
  auto plan = fx_.apply(webYaml(2), "?dryRun=true");
  ASSERT_EQ(plan.status, 200) << plan.body;
  auto body = jsonOf(plan);
  EXPECT_EQ(body["dryRun"], true);
  EXPECT_EQ(body["items"][1]["action"], "created");
  int provisions = 0;
  for (const auto& [host, steps] : body["plan"]["hosts"].items()) {
    for (const auto& step : steps) provisions += step["action"] == "provision" ? 1 : 0;
  }
  EXPECT_EQ(provisions, 2) << body.dump(2);
  EXPECT_EQ(fx_.admin().request("GET", "/v1/deployments/web")->status, 404);
  EXPECT_TRUE(fx_.instances("web").empty());
}

TEST_F(DeploymentApiTest, AnApplyWarnsOfASurgeInstanceNoHostCanTake) {
  // Both replicas fill the small host (2 vCPUs), the only one in zone a.
  const std::string onSmall =
      "  placement: {hostSelector: {zone: a}, spread: none}\n"
      "  strategy:\n    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}\n";
  auto first = fx_.apply(webYaml(2, "web:0.1.0", onSmall));
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_FALSE(jsonOf(first).contains("warnings")) << first.body;
  ASSERT_TRUE(waitAvailable(2)) << fx_.instances("web").dump(2);
  auto second = fx_.apply(webYaml(2, "web:0.1.0", onSmall + "  minReadyMs: 100\n"));
  ASSERT_EQ(second.status, 200) << second.body;
  auto warnings = jsonOf(second)["warnings"];
  ASSERT_EQ(warnings.size(), 1u) << second.body;
  std::string warning = warnings[0];
  EXPECT_NE(warning.find("deployment/web: FailedScheduling: 0/"), std::string::npos) << warning;
  EXPECT_NE(warning.find("insufficient vcpus"), std::string::npos) << warning;
  auto again = fx_.apply(webYaml(2, "web:0.1.0", onSmall + "  minReadyMs: 100\n"));
  EXPECT_FALSE(jsonOf(again).contains("warnings")) << "unchanged: nothing to warn of";
}

TEST_F(DeploymentApiTest, TwentyConcurrentAppliesOfOneFileStoreOneState) {
  std::vector<std::thread> threads;
  threads.reserve(20);
  std::vector<std::string> actions(20);
  for (int t = 0; t < 20; ++t) {
    threads.emplace_back([&, t] {
      auto client = fx_.server().admin();
      auto r =
          client.request("POST", "/v1/apply", webYaml(2), {{"Content-Type", "application/yaml"}});
      actions[t] =
          r && r->status == 200 ? jsonOf(*r)["items"][1]["action"].get<std::string>() : "error";
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "created"), 1);
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "unchanged"), 19);
  auto deployment = jsonOf(*fx_.admin().request("GET", "/v1/deployments/web"));
  EXPECT_EQ(deployment["metadata"]["generation"], 1);
  ASSERT_TRUE(waitAvailable(2));
}

TEST_F(DeploymentApiTest, ARevokedKeyRefusesNewProvisionsWhileRunningInstancesStay) {
  ASSERT_EQ(fx_.apply(webYaml(2)).status, 200);
  ASSERT_TRUE(waitAvailable(2));
  auto before = fx_.instances("web");
  ASSERT_EQ(fx_.admin().request("POST", "/v1/keys/" + fx_.key().id + "/revoke")->status, 200);
  std::string victim = before[0]["id"];
  ASSERT_EQ(fx_.admin().request("DELETE", "/v1/instances/" + victim)->status, 202);
  bool refused = false;
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!refused && std::chrono::steady_clock::now() < deadline) {
    for (const auto& e : fx_.events("?deployment=web&limit=5000")) {
      refused = refused || e["reason"] == "ProvisionRefused";
    }
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(refused) << fx_.events("?deployment=web").dump(2);
  auto after = fx_.instances("web");
  EXPECT_EQ(DeployFixture::count(after, "Available"), 1) << after.dump(2);
  bool otherStays = false;
  for (const auto& i : after)
    otherStays = otherStays || (i["id"] == before[1]["id"] && i["state"] == "Available");
  EXPECT_TRUE(otherStays);
}

TEST_F(DeploymentApiTest, AppliesThatReferToMissingOrClashingObjectsAreRefusedWhole) {
  auto missingImage = fx_.apply(webYaml(1, "web:9.9.9"));
  EXPECT_EQ(missingImage.status, 422);
  EXPECT_EQ(errorCode(missingImage), "image_not_found");
  EXPECT_NE(missingImage.body.find("document 1 (Deployment web): spec.image"), std::string::npos)
      << missingImage.body;
  std::string noNetwork = webYaml(1);
  noNetwork = noNetwork.substr(noNetwork.find("---\n") + 4);
  auto missingNet = fx_.apply(noNetwork);
  EXPECT_EQ(missingNet.status, 422);
  EXPECT_NE(missingNet.body.find("spec.interfaces[0].network: network dmz does not exist"),
            std::string::npos)
      << missingNet.body;
  EXPECT_EQ(fx_.admin().request("GET", "/v1/networks/dmz")->status, 404)
      << "a refused apply stores none of its documents";
  ASSERT_EQ(fx_.apply(webYaml(1)).status, 200);
  std::string clash = webYaml(1);
  clash.replace(clash.find("name: web"), 9, "name: web2");
  auto clashing = fx_.apply(clash);
  EXPECT_EQ(clashing.status, 422);
  EXPECT_NE(clashing.body.find("belongs to deployment web"), std::string::npos) << clashing.body;
  std::string outside = webYaml(1);
  outside.replace(outside.find("10.0.0.10"), 9, "10.9.0.10");
  auto out = fx_.apply(outside);
  EXPECT_NE(out.body.find("10.9.0.10 is outside network dmz"), std::string::npos) << out.body;
  std::string badKey = webYaml(1);
  badKey.replace(badKey.find("gateway 10.0.0.1"), 16, "zone example.org");
  auto unknown = fx_.apply(badKey);
  EXPECT_EQ(unknown.status, 422);
  EXPECT_NE(unknown.body.find("\\\"zone\\\" is not a config key of image web:0.1.0"),
            std::string::npos)
      << unknown.body;
  auto badType = fx_.admin().request("POST", "/v1/apply", "{}", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(errorCode(*badType), "content_type_invalid");
}

TEST_F(DeploymentApiTest, AConfigValueTheApplianceWouldRefuseIsRefusedAtApplyAndNothingIsStored) {
  std::string bad = webYaml(2);
  bad.replace(bad.find("gateway 10.0.0.1"), 16, "gateway ${address.dmz}\n    gateway 10.0.0.300");
  auto refused = fx_.apply(bad);
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(errorCode(refused), "reference_invalid");
  EXPECT_NE(jsonOf(refused)["error"]["message"].get<std::string>().find(
                "document 1 (Deployment web): spec.config line 2: gateway: '10.0.0.300' is not an "
                "IPv4 address"),
            std::string::npos)
      << refused.body;
  auto deployments = fx_.admin().request("GET", "/v1/deployments");
  ASSERT_TRUE(deployments);
  EXPECT_TRUE(jsonOf(*deployments)["items"].empty()) << deployments->body;
  EXPECT_EQ(fx_.admin().request("GET", "/v1/networks/dmz")->status, 404)
      << "the Network of the refused file is not stored either";
  EXPECT_EQ(fx_.apply(webYaml(2)).status, 200) << "the file with a good gateway applies";
}

TEST_F(DeploymentApiTest, DeployerTokensApplyOnlyTheNamesTheirPatternsAllow) {
  std::string scoped = createToken(fx_.admin(), "deployer", "db*");
  auto client = fx_.server().client(scoped);
  auto refused =
      client.request("POST", "/v1/apply", webYaml(1), {{"Content-Type", "application/yaml"}});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403);
  EXPECT_EQ(errorCode(*refused), "name_not_allowed");
  std::string viewer = createToken(fx_.admin(), "viewer");
  auto view = fx_.server().client(viewer).request("POST", "/v1/apply", webYaml(1),
                                                  {{"Content-Type", "application/yaml"}});
  EXPECT_EQ(view->status, 403);
  std::string deployer = createToken(fx_.admin(), "deployer");
  auto hostDoc =
      "apiVersion: stele.dev/v1\nkind: Host\nmetadata: {name: h2}\nspec: {uri: 'qemu:///system'}\n";
  auto hostRefused = fx_.server().client(deployer).request("POST", "/v1/apply", hostDoc,
                                                           {{"Content-Type", "application/yaml"}});
  EXPECT_EQ(hostRefused->status, 403) << "hosts stay admin-only in apply too";
}

TEST_F(DeploymentApiTest, NothingFitsIsReportedLikeFailedScheduling) {
  std::string big = webYaml(1, "web:0.1.0", "  placement: {hostSelector: {zone: a}}\n");
  big.replace(big.find("memoryMiB: 32"), 13, "memoryMiB: 4096");
  ASSERT_EQ(fx_.apply(big).status, 200);
  bool reported = false;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!reported && std::chrono::steady_clock::now() < deadline) {
    auto d = jsonOf(*fx_.admin().request("GET", "/v1/deployments/web"));
    reported = d["status"]["condition"].is_object() &&
               d["status"]["condition"]["message"] ==
                   "0/2 hosts fit: 1 insufficient memory, 1 label mismatch";
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(reported) << fx_.admin().request("GET", "/v1/deployments/web")->body;
  bool event = false;
  for (const auto& e : fx_.events("?deployment=web"))
    event = event || e["reason"] == "FailedScheduling";
  EXPECT_TRUE(event);
}

TEST_F(DeploymentApiTest, EventsStreamAsServerSentEventsAndResumeAfterLastEventId) {
  ASSERT_EQ(fx_.apply(webYaml(1)).status, 200);
  ASSERT_TRUE(waitAvailable(1));
  auto stream = fx_.admin().request("GET", "/v1/events/stream?deployment=web&waitMs=0");
  ASSERT_TRUE(stream);
  EXPECT_EQ(stream->status, 200);
  EXPECT_NE(stream->body.find("event: Provisioned\n"), std::string::npos) << stream->body;
  auto all = fx_.events("?deployment=web");
  long long last = all.back()["id"].get<long long>();
  std::thread later([&] {
    std::this_thread::sleep_for(200ms);
    (void)fx_.server().admin().request("POST", "/v1/apply", webYaml(2),
                                       {{"Content-Type", "application/yaml"}});
  });
  auto resumed = fx_.admin().request("GET", "/v1/events/stream?deployment=web&waitMs=20000", "",
                                     {{"Last-Event-ID", std::to_string(last)}});
  later.join();
  ASSERT_TRUE(resumed);
  EXPECT_TRUE(resumed->body.starts_with("retry: 500\n\n")) << resumed->body;
  std::size_t at = 0;
  int seen = 0;
  while ((at = resumed->body.find("\nid: ", at)) != std::string::npos) {
    at += 5;
    EXPECT_GT(std::stoll(resumed->body.substr(at)), last) << "only events after Last-Event-ID";
    ++seen;
  }
  EXPECT_GE(seen, 1) << "the stream waited for the next event: " << resumed->body;
}

TEST_F(DeploymentApiTest, AWaitingEventStreamDoesNotHoldUpShutdown) {
  std::thread waiting([&] {
    auto client = fx_.server().admin();
    (void)client.request("GET", "/v1/events/stream?after=999999&waitMs=25000");
  });
  std::this_thread::sleep_for(300ms);  // let the stream start waiting
  fx_.server().stop();  // fails the test unless the server exits 0 within 10 s of SIGTERM
  waiting.join();
}

}  // namespace
}  // namespace stele::testing
