// End to end with real QEMU VMs under TCG: a `stele server` deploys the real appliance images
// (built by images/build-images.sh) to a private libvirtd inside its own network namespace
// (tests/hypervisor/e2e/private_libvirtd.h). Health is probed from inside that namespace (the
// host's probeNetns); the page is fetched from inside it too. Nothing leaves the namespace.
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "tests/hypervisor/e2e/private_libvirtd.h"
#include "tests/support/appliance_e2e.h"
#include "tests/support/registry_client.h"
#include "tests/support/run_command.h"
#include "tests/support/server_process.h"

namespace stele::testing {
namespace {

using namespace std::chrono_literals;
using hypervisor::e2e::PrivateLibvirtd;

std::string imagesDir() { return std::string(STELE_IMAGES_DIR); }

class DeploymentE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(applianceImagesBuilt(imagesDir(), {"web", "dns"}));
    auto started = PrivateLibvirtd::start("deploy");
    ASSERT_TRUE(started) << started.error().message;
    env_ = std::move(*started);
    server_ = std::make_unique<ServerProcess>(
        std::vector<std::string>{"--host-socket-dir", env_->root() + "/run", "--backoff-base-ms",
                                 "500", "--reconcile-backstop-ms", "500"});
    admin_ = std::make_unique<cli::HttpClient>(server_->admin());
    std::map<std::string, std::string> envVars = {{"STELE_SERVER", server_->url()},
                                                  {"STELE_TOKEN", server_->adminToken()}};
    std::string key = dir_.file("ci");
    ASSERT_EQ(runCommand({STELE_BINARY, "keygen", "--out", key}, envVars).exitStatus, 0);
    auto trusted = runCommand({STELE_BINARY, "key", "add", key + ".pub"}, envVars);
    ASSERT_EQ(trusted.exitStatus, 0) << trusted.err;
    for (const char* kind : {"web", "dns"}) {
      auto pushed = runCommand({STELE_BINARY, "push", std::string(kind) + ":0.1.0", "--draft",
                                imagesDir() + "/" + kind, "--key", key + ".key"},
                               envVars);
      ASSERT_EQ(pushed.exitStatus, 0) << pushed.err;
    }
    nlohmann::json host = {
        {"name", "kvm-1"}, {"uri", env_->uri()}, {"accel", "qemu"}, {"probeNetns", env_->netns()}};
    auto added = admin_->request("POST", "/v1/hosts", host.dump());
    ASSERT_TRUE(added);
    ASSERT_EQ(added->status, 201) << added->body;
  }

  cli::ClientResponse apply(const std::string& yaml) {
    auto r = admin_->request("POST", "/v1/apply", yaml, {{"Content-Type", "application/yaml"}});
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : cli::ClientResponse{};
  }

  nlohmann::json instances(const std::string& deployment) {
    auto r = admin_->request("GET", "/v1/instances?deployment=" + deployment);
    return r && r->status == 200 ? jsonOf(*r)["items"] : nlohmann::json::array();
  }

  // Polls until `n` instances are Available (and no others run); bounded.
  bool waitAvailable(const std::string& deployment, int n, std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto items = instances(deployment);
      int available = 0;
      for (const auto& i : items) available += i["state"] == "Available" ? 1 : 0;
      if (available == n && static_cast<int>(items.size()) == n) return true;
      std::this_thread::sleep_for(250ms);
    }
    return false;
  }

  std::string pageFromNamespace(const std::string& address) {
    return pageInNamespace(env_->netns(), address);
  }

  TempDir dir_;
  std::unique_ptr<PrivateLibvirtd> env_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<cli::HttpClient> admin_;
};

TEST_F(DeploymentE2e, TwoWebAppliancesServeAndAKilledQemuIsReplaced) {
  auto applied = apply(std::string(kDmzNetworkYaml) + R"(apiVersion: stele.dev/v1
kind: Deployment
metadata: {name: web}
spec:
  image: web:0.1.0
  replicas: 2
  resources: {memoryMiB: 32, vcpus: 1}
  interfaces:
    - network: dmz
      addresses: [10.0.0.10, 10.0.0.11]
  healthCheck:
    http: {port: 80, path: /healthz}
    periodMs: 200
    timeoutMs: 500
    failureThreshold: 3
)");
  ASSERT_EQ(applied.status, 200) << applied.body;
  ASSERT_TRUE(waitAvailable("web", 2, 300s)) << instances("web").dump(2);
  auto items = instances("web");
  for (const auto& i : items) {
    std::string page = pageFromNamespace(i["addresses"]["dmz"]);
    EXPECT_NE(page.find(i["id"].get<std::string>()), std::string::npos)
        << "the page names its instance: " << page;
    EXPECT_NE(i["lastProbe"].dump().find("\"passed\":true"), std::string::npos) << i.dump(2);
  }

  std::string victim = items[0]["id"];
  auto pid = env_->qemuPid("stele-" + victim);
  ASSERT_TRUE(pid) << pid.error().message;
  ASSERT_EQ(::kill(*pid, SIGKILL), 0);
  auto deadline = std::chrono::steady_clock::now() + 300s;
  bool replaced = false;
  while (!replaced && std::chrono::steady_clock::now() < deadline) {
    auto now = instances("web");
    int available = 0;
    bool victimGone = true;
    for (const auto& i : now) {
      available += i["state"] == "Available" ? 1 : 0;
      victimGone = victimGone && i["id"] != victim;
    }
    replaced = victimGone && available == 2 && now.size() == 2;
    if (!replaced) std::this_thread::sleep_for(250ms);
  }
  ASSERT_TRUE(replaced) << instances("web").dump(2);
  auto after = instances("web");
  EXPECT_EQ(after[0]["addresses"]["dmz"], "10.0.0.10")
      << "the replacement keeps the slot's address";
  EXPECT_NE(pageFromNamespace("10.0.0.10").find(after[0]["id"].get<std::string>()),
            std::string::npos);
  auto events = jsonOf(*admin_->request("GET", "/v1/events?instance=" + victim));
  bool sawCrash = false;
  for (const auto& e : events["items"]) {
    sawCrash = sawCrash || e["message"].get<std::string>().find("crashed") != std::string::npos ||
               e["message"].get<std::string>().find("stopped") != std::string::npos;
  }
  EXPECT_TRUE(sawCrash) << events.dump(2);
}

TEST_F(DeploymentE2e, AConsoleCheckWatchesTheDnsApplianceReadyLine) {
  auto applied = apply(std::string(kDmzNetworkYaml) + dnsDeploymentYaml("10.0.0.10"));
  ASSERT_EQ(applied.status, 200) << applied.body;
  ASSERT_TRUE(waitAvailable("dns", 1, 300s)) << instances("dns").dump(2);
  auto items = instances("dns");
  EXPECT_NE(items[0]["lastProbe"].dump().find("console line seen"), std::string::npos)
      << items[0].dump(2);
  auto logs =
      admin_->request("GET", "/v1/instances/" + items[0]["id"].get<std::string>() + "/console");
  ASSERT_TRUE(logs);
  EXPECT_NE(logs->body.find("stele-appliance: dns ready"), std::string::npos) << logs->body;
  auto answer = runCommand({"ip", "netns", "exec", env_->netns(), "dig", "+short", "+time=2",
                            "+tries=2", "@10.0.0.53", "www.example.test", "A"});
  EXPECT_NE(answer.out.find("10.0.0.10"), std::string::npos) << answer.out << answer.err;
}

}  // namespace
}  // namespace stele::testing
