// `stele apply|delete|get deployments|instances|networks|events|logs` run as the real binary
// against a real server with hosts on libvirt's test driver (DeployFixture). Waits are bounded
// polls of the API, never fixed sleeps.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/background_command.h"
#include "tests/support/deploy_fixture.h"
#include "tests/support/run_command.h"
#include "tests/support/temp_dir.h"

namespace stele::testing {
namespace {

using namespace std::chrono_literals;

class DeployCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fx_.pushImage("web", "0.1.0");
    ASSERT_EQ(fx_.addHost("small", "small", R"({"zone":"a"})"), 201);
    ASSERT_EQ(fx_.addHost("large", "large", R"({"zone":"b"})"), 201);
  }

  std::map<std::string, std::string> env() {
    return {{"STELE_SERVER", fx_.server().url()}, {"STELE_TOKEN", fx_.server().adminToken()}};
  }

  CommandResult stele(std::vector<std::string> args, const std::string& stdinPath = "/dev/null") {
    args.insert(args.begin(), STELE_BINARY);
    return runCommand(args, env(), "", stdinPath);
  }

  std::string writeFile(const std::string& name, const std::string& text) {
    std::ofstream(dir_.file(name)) << text;
    return dir_.file(name);
  }

  bool waitAvailable(int n) {
    return fx_.waitFor("web", [n](const nlohmann::json& items) {
      return DeployFixture::count(items, "Available") == n && static_cast<int>(items.size()) == n;
    });
  }

  static bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  }

  DeployFixture fx_;
  TempDir dir_;
};

TEST_F(DeployCliTest, ApplyPrintsEachObjectCreatedThenUnchangedFromAFileOrStdin) {
  std::string file = writeFile("web.yaml", webYaml(2));
  auto first = stele({"apply", "-f", file});
  ASSERT_EQ(first.exitStatus, 0) << first.err;
  EXPECT_EQ(first.out, "network/dmz created\ndeployment/web created\n");
  auto again = stele({"apply", "-f", file});
  ASSERT_EQ(again.exitStatus, 0) << again.err;
  EXPECT_EQ(again.out, "network/dmz unchanged\ndeployment/web unchanged\n");
  auto piped = stele({"apply", "-f", "-"}, file);
  ASSERT_EQ(piped.exitStatus, 0) << piped.err;
  EXPECT_EQ(piped.out, again.out);
  auto scaled = stele({"apply", "-f", writeFile("web3.yaml", webYaml(3))});
  EXPECT_EQ(scaled.out, "network/dmz unchanged\ndeployment/web configured\n") << scaled.err;
}

TEST_F(DeployCliTest, ApplySendsJsonFilesAsJson) {
  nlohmann::json network = {{"apiVersion", "stele.dev/v1"},
                            {"kind", "Network"},
                            {"metadata", {{"name", "lan"}}},
                            {"spec", {{"cidr", "10.1.0.0/24"}}}};
  auto r = stele({"apply", "-f", writeFile("lan.json", nlohmann::json::array({network}).dump())});
  ASSERT_EQ(r.exitStatus, 0) << r.err;
  EXPECT_EQ(r.out, "network/lan created\n");
}

TEST_F(DeployCliTest, DryRunPrintsThePlanPerHostAndStoresNothing) {
  auto plan = stele({"apply", "-f", writeFile("web.yaml", webYaml(2)), "--dry-run"});
  ASSERT_EQ(plan.exitStatus, 0) << plan.err;
  EXPECT_TRUE(has(plan.out, "deployment/web created (dry run)\n")) << plan.out;
  EXPECT_TRUE(has(plan.out, "host small: provision web #")) << plan.out;
  EXPECT_TRUE(has(plan.out, "host large: provision web #")) << plan.out;
  EXPECT_TRUE(has(plan.out, "(new instance ")) << plan.out;
  EXPECT_EQ(stele({"get", "deployments", "-o", "json"}).out, "[]\n") << "a dry run stores nothing";

  auto nowhere =
      stele({"apply", "--dry-run", "-f",
             writeFile("c.yaml",
                       webYaml(1, "web:0.1.0", "  placement:\n    hostSelector: {zone: c}\n"))});
  ASSERT_EQ(nowhere.exitStatus, 0) << nowhere.err;
  EXPECT_TRUE(has(nowhere.out, "unplaced: web: 0/2 hosts fit")) << nowhere.out;
  EXPECT_FALSE(has(nowhere.out, "provision")) << nowhere.out;
}

TEST_F(DeployCliTest, GetShowsDeploymentsInstancesNetworksAndEventsAsTablesAndJson) {
  ASSERT_EQ(stele({"apply", "-f", writeFile("web.yaml", webYaml(2))}).exitStatus, 0);
  ASSERT_TRUE(waitAvailable(2)) << fx_.instances("web").dump(2);

  auto deployments = stele({"get", "deployments"});
  ASSERT_EQ(deployments.exitStatus, 0) << deployments.err;
  EXPECT_TRUE(has(deployments.out, "NAME  REVISION  READY/REPLICAS  IMAGE      CONDITION\n"))
      << deployments.out;
  EXPECT_TRUE(has(deployments.out, "web   1         2/2             web:0.1.0  Ready\n"))
      << deployments.out;
  auto one = nlohmann::json::parse(stele({"get", "deployments", "web", "-o", "json"}).out);
  EXPECT_EQ(one["metadata"]["name"], "web");
  EXPECT_EQ(one["status"]["availableInstances"], 2);
  EXPECT_EQ(nlohmann::json::parse(stele({"get", "deployments", "-o", "json"}).out).size(), 1u);

  auto instances = stele({"get", "instances", "--deployment", "web"});
  ASSERT_EQ(instances.exitStatus, 0) << instances.err;
  EXPECT_TRUE(has(instances.out, "ID")) << instances.out;
  for (const char* column :
       {"DEPLOYMENT", "ORDINAL", "HOST", "STATE", "ADDRESSES", "RESTARTS", "AGE"}) {
    EXPECT_TRUE(has(instances.out, column)) << column << "\n" << instances.out;
  }
  EXPECT_TRUE(has(instances.out, "dmz=10.0.0.10")) << instances.out;
  EXPECT_TRUE(has(instances.out, "dmz=10.0.0.11")) << instances.out;
  EXPECT_EQ(countOf(instances.out, "Available"), 2) << instances.out;
  auto items = nlohmann::json::parse(stele({"get", "instances", "-o", "json"}).out);
  ASSERT_EQ(items.size(), 2u);
  std::string id = items[0]["id"];
  auto detail = stele({"get", "instances", id});
  ASSERT_EQ(detail.exitStatus, 0) << detail.err;
  EXPECT_TRUE(has(detail.out, "TIME")) << "its state history\n" << detail.out;
  EXPECT_TRUE(has(detail.out, "Provisioning")) << detail.out;
  EXPECT_EQ(nlohmann::json::parse(stele({"get", "instances", id, "-o", "json"}).out)["id"], id);
  EXPECT_EQ(
      nlohmann::json::parse(stele({"get", "instances", "--deployment", "none", "-o", "json"}).out),
      nlohmann::json::array());

  auto networks = stele({"get", "networks"});
  EXPECT_EQ(networks.out, "NAME  CIDR         HOST-ADDRESS\ndmz   10.0.0.0/24  10.0.0.254\n");
  EXPECT_EQ(
      nlohmann::json::parse(stele({"get", "networks", "dmz", "-o", "json"}).out)["spec"]["cidr"],
      "10.0.0.0/24");

  auto events = stele({"get", "events", "--deployment", "web"});
  ASSERT_EQ(events.exitStatus, 0) << events.err;
  EXPECT_TRUE(has(events.out, "TIME")) << events.out;
  EXPECT_TRUE(has(events.out, "REASON")) << events.out;
  EXPECT_TRUE(has(events.out, "Applied")) << events.out;
  EXPECT_TRUE(has(events.out, "deployment/web")) << events.out;
  EXPECT_FALSE(has(events.out, "network/dmz")) << "filtered by deployment\n" << events.out;
  auto forInstance =
      nlohmann::json::parse(stele({"get", "events", "--instance", id, "-o", "json"}).out);
  ASSERT_FALSE(forInstance.empty());
  for (const auto& e : forInstance) EXPECT_EQ(e["instance"], id) << e.dump();

  auto wrongFlag = stele({"get", "networks", "--deployment", "web"});
  EXPECT_EQ(wrongFlag.exitStatus, 2);
  EXPECT_TRUE(has(wrongFlag.err, "--deployment does not apply to get networks")) << wrongFlag.err;
  auto missing = stele({"get", "deployments", "nope"});
  EXPECT_EQ(missing.exitStatus, 1);
  EXPECT_TRUE(has(missing.err, "no deployment named nope")) << missing.err;
}

TEST_F(DeployCliTest, WatchingEventsPrintsEachNewEventOnceUntilInterrupted) {
  ASSERT_EQ(stele({"apply", "-f", writeFile("web.yaml", webYaml(1))}).exitStatus, 0);
  ASSERT_TRUE(waitAvailable(1));
  std::vector<std::string> base = {STELE_BINARY, "get", "events", "--deployment", "web", "-w"};
  BackgroundCommand table(base, env());
  std::vector<std::string> jsonArgs = base;
  jsonArgs.insert(jsonArgs.end(), {"-o", "json"});
  BackgroundCommand json(jsonArgs, env());
  ASSERT_TRUE(table.waitForOutput("Applied", 10s)) << table.out();
  ASSERT_TRUE(json.waitForOutput("\"Applied\"", 10s)) << json.out();

  ASSERT_EQ(stele({"apply", "-f", writeFile("web2.yaml", webYaml(2))}).exitStatus, 0);
  ASSERT_TRUE(waitAvailable(2));
  EXPECT_TRUE(table.waitForOutput("Applied", 20s, 2)) << "the scale-up, after a reconnect\n"
                                                      << table.out();
  EXPECT_TRUE(json.waitForOutput("\"Applied\"", 20s, 2)) << json.out();
  EXPECT_EQ(table.interrupt(), 130);
  EXPECT_EQ(json.interrupt(), 130);

  EXPECT_TRUE(table.out().starts_with("TIME ")) << table.out();
  EXPECT_TRUE(has(table.out(), "deployment/web")) << table.out();
  std::int64_t last = 0;
  std::size_t start = 0;
  int lines = 0;
  while (start < json.out().size()) {
    std::size_t end = json.out().find('\n', start);
    if (end == std::string::npos) break;  // a line cut by the interrupt
    auto event = nlohmann::json::parse(json.out().substr(start, end - start));
    EXPECT_GT(event["id"].get<std::int64_t>(), last) << "each event once, in order\n" << json.out();
    EXPECT_EQ(event["deployment"], "web");
    last = event["id"];
    start = end + 1;
    ++lines;
  }
  EXPECT_GE(lines, 2);
}

TEST_F(DeployCliTest, DeleteByFileRemovesDeploymentsBeforeNetworks) {
  std::string file = writeFile("web.yaml", webYaml(1));
  ASSERT_EQ(stele({"apply", "-f", file}).exitStatus, 0);
  ASSERT_TRUE(waitAvailable(1));
  auto deleted = stele({"delete", "-f", file});
  ASSERT_EQ(deleted.exitStatus, 0) << deleted.err;
  EXPECT_EQ(deleted.out, "deployment/web deleted\nnetwork/dmz deleted\n");
  ASSERT_TRUE(fx_.waitFor("web", [](const nlohmann::json& items) { return items.empty(); }));
  EXPECT_EQ(stele({"get", "networks", "-o", "json"}).out, "[]\n");
  auto again = stele({"delete", "-f", file});
  EXPECT_EQ(again.exitStatus, 1);
  EXPECT_TRUE(has(again.err, "deployment/web: no deployment named web")) << again.err;
  EXPECT_TRUE(has(again.err, "network/dmz: no network named dmz")) << again.err;
}

TEST_F(DeployCliTest, DeleteRefusesAFileWithAHostAndDeletesNothing) {
  ASSERT_EQ(stele({"apply", "-f", writeFile("web.yaml", webYaml(1))}).exitStatus, 0);
  std::string site = webYaml(1) +
                     "---\napiVersion: stele.dev/v1\nkind: Host\nmetadata: {name: small}\n"
                     "spec: {uri: \"test:///x.xml\"}\n";
  auto refused = stele({"delete", "-f", writeFile("site.yaml", site)});
  EXPECT_EQ(refused.exitStatus, 1);
  EXPECT_TRUE(has(refused.err, "document 2 (Host small)")) << refused.err;
  EXPECT_TRUE(has(refused.err, "stele host remove small")) << refused.err;
  EXPECT_EQ(refused.out, "");
  EXPECT_EQ(nlohmann::json::parse(stele({"get", "deployments", "-o", "json"}).out).size(), 1u);
}

TEST_F(DeployCliTest, DeleteByNameRemovesInstancesDeploymentsAndNetworks) {
  ASSERT_EQ(stele({"apply", "-f", writeFile("web.yaml", webYaml(1))}).exitStatus, 0);
  ASSERT_TRUE(waitAvailable(1));
  std::string victim = fx_.instances("web")[0]["id"];
  auto gone = stele({"delete", "instance", victim});
  ASSERT_EQ(gone.exitStatus, 0) << gone.err;
  EXPECT_EQ(gone.out, "instance/" + victim + " deleted (a replacement will be provisioned)\n");
  ASSERT_TRUE(fx_.waitFor("web", [&](const nlohmann::json& items) {
    return items.size() == 1 && items[0]["id"] != victim && items[0]["state"] == "Available";
  })) << fx_.instances("web").dump(2);
  auto inUse = stele({"delete", "network", "dmz"});
  EXPECT_EQ(inUse.exitStatus, 1);
  EXPECT_TRUE(has(inUse.err, "network dmz is used by deployment web")) << inUse.err;
  EXPECT_EQ(stele({"delete", "deployment", "web"}).out, "deployment/web deleted\n");
  EXPECT_EQ(stele({"delete", "network", "dmz"}).out, "network/dmz deleted\n");
  auto missing = stele({"delete", "deployment", "web"});
  EXPECT_EQ(missing.exitStatus, 1);
  EXPECT_TRUE(has(missing.err, "no deployment named web")) << missing.err;
  EXPECT_EQ(stele({"delete", "host", "small"}).exitStatus, 2) << "hosts go by `stele host remove`";
}

TEST_F(DeployCliTest, LogsPrintsTheConsoleTail) {
  ASSERT_EQ(stele({"apply", "-f", writeFile("web.yaml", webYaml(1))}).exitStatus, 0);
  ASSERT_TRUE(waitAvailable(1));
  auto instance = fx_.instances("web")[0];
  std::string id = instance["id"];
  // The test driver boots nothing: write what an appliance would print on its serial console.
  std::ofstream(fx_.server().dataDir() + "/instances/" + instance["host"].get<std::string>() + "/" +
                id + "/console.log")
      << "booting\nweb: listening on :80\n";
  auto logs = stele({"logs", id});
  ASSERT_EQ(logs.exitStatus, 0) << logs.err;
  EXPECT_EQ(logs.out, "booting\nweb: listening on :80\n");
  EXPECT_EQ(stele({"logs", id, "--bytes", "4"}).out, ":80\n");
  auto bad = stele({"logs", id, "--bytes", "0"});
  EXPECT_EQ(bad.exitStatus, 1);
  EXPECT_TRUE(has(bad.err, "bytes: must be 1 to 1048576")) << bad.err;
  auto missing = stele({"logs", "web-nope"});
  EXPECT_EQ(missing.exitStatus, 1);
  EXPECT_TRUE(has(missing.err, "no instance web-nope")) << missing.err;
}

TEST_F(DeployCliTest, ABadFileFailsWithTheServersMessageNamingDocumentAndField) {
  std::string bad = webYaml(2);
  bad.replace(bad.find("replicas: 2"), 11, "replicas: -1");
  auto refused = stele({"apply", "-f", writeFile("bad.yaml", bad)});
  EXPECT_EQ(refused.exitStatus, 1);
  EXPECT_TRUE(has(refused.err, "document 1 (Deployment web): spec.replicas:")) << refused.err;
  EXPECT_EQ(refused.out, "");
  EXPECT_EQ(stele({"get", "networks", "-o", "json"}).out, "[]\n") << "nothing was stored";

  auto missing = stele({"apply", "-f", dir_.file("absent.yaml")});
  EXPECT_EQ(missing.exitStatus, 1);
  EXPECT_EQ(missing.err,
            "stele: cannot read " + dir_.file("absent.yaml") + ": No such file or directory\n");
  EXPECT_EQ(stele({"apply"}).exitStatus, 2);
}

}  // namespace
}  // namespace stele::testing
