#include "tests/support/deploy_fixture.h"

#include <fstream>
#include <stdexcept>
#include <thread>

#include "common/sha256.h"
#include "tests/support/run_command.h"

namespace stele::testing {
namespace {

std::string hostsDir() { return std::string(STELE_SOURCE_DIR) + "/tests/hypervisor/hosts"; }

std::unique_ptr<ServerProcess> startServer(const std::string& healthDir,
                                           std::vector<std::string> extra,
                                           std::map<std::string, std::string> env,
                                           DeployFixture::Health health) {
  std::vector<std::string> args = {
      "--allow-test-hosts",      hostsDir(), "--host-grace-ms",  "1500",
      "--backoff-base-ms",       "200",      "--backoff-max-ms", "800",
      "--reconcile-backstop-ms", "200"};
  if (health == DeployFixture::Health::Scripted) {
    args.insert(args.end(), {"--test-health-dir", healthDir});
  }
  args.insert(args.end(), extra.begin(), extra.end());
  return std::make_unique<ServerProcess>(args, std::move(env));
}

}  // namespace

DeployFixture::DeployFixture(std::vector<std::string> extraArgs,
                             std::map<std::string, std::string> env, Health health)
    : server_(startServer(healthDir_.path(), std::move(extraArgs), std::move(env), health)),
      admin_(server_->admin()),
      key_(makeKey()) {
  if (addKey(admin_, key_) != 201) throw std::runtime_error("could not trust the test key");
}

std::string DeployFixture::pushImage(const std::string& name, const std::string& version) {
  return pushWebImage(admin_, key_, name, version);
}

int DeployFixture::addHost(const std::string& name, const std::string& file,
                           const std::string& labels) {
  return addTestHost(admin_, hostsDir(), name, file, labels);
}

int DeployFixture::pushWithCli(const std::string& nameVersion,
                               const std::vector<std::string>& source) {
  TempDir scratch;
  std::string keyFile = scratch.file("signing.key");
  std::ofstream(keyFile) << key_.privatePem;
  std::vector<std::string> argv = {STELE_BINARY, "push", nameVersion};
  argv.insert(argv.end(), source.begin(), source.end());
  argv.insert(argv.end(), {"--key", keyFile});
  auto pushed =
      runCommand(argv, {{"STELE_SERVER", server_->url()}, {"STELE_TOKEN", server_->adminToken()}});
  if (pushed.exitStatus != 0)
    std::fprintf(stderr, "push %s: %s", nameVersion.c_str(), pushed.err.c_str());
  return pushed.exitStatus;
}

int DeployFixture::addLibvirtHost(const std::string& name, const std::string& uri,
                                  const std::string& probeNetns) {
  nlohmann::json host = {
      {"name", name}, {"uri", uri}, {"accel", "qemu"}, {"probeNetns", probeNetns}};
  auto r = admin_.request("POST", "/v1/hosts", host.dump());
  return r ? r->status : 0;
}

cli::ClientResponse DeployFixture::apply(const std::string& yaml, const std::string& query) {
  auto r =
      admin_.request("POST", "/v1/apply" + query, yaml, {{"Content-Type", "application/yaml"}});
  if (!r) throw std::runtime_error("apply: " + r.error().message);
  return *r;
}

nlohmann::json DeployFixture::instances(const std::string& deployment) {
  auto r = admin_.request("GET", "/v1/instances?deployment=" + deployment);
  if (!r || r->status != 200) return nlohmann::json::array();
  return jsonOf(*r)["items"];
}

bool DeployFixture::waitFor(const std::string& deployment,
                            const std::function<bool(const nlohmann::json&)>& done,
                            std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done(instances(deployment))) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

int DeployFixture::count(const nlohmann::json& items, const std::string& state) {
  int n = 0;
  for (const auto& i : items) n += i.value("state", "") == state ? 1 : 0;
  return n;
}

void DeployFixture::setHealth(const std::string& instanceId, const std::string& answer) {
  std::string path = healthDir_.file(instanceId);
  std::ofstream(path + ".tmp") << answer << "\n";
  std::rename((path + ".tmp").c_str(), path.c_str());
}

nlohmann::json DeployFixture::events(const std::string& query) {
  auto r = admin_.request("GET", "/v1/events" + query);
  if (!r || r->status != 200) return nlohmann::json::array();
  return jsonOf(*r)["items"];
}

std::string pushWebImage(cli::HttpClient& admin, const TestKey& key, const std::string& name,
                         const std::string& version) {
  std::string kernel = "kernel of " + name + " " + version;
  std::string digest = uploadBlob(admin, kernel, "kernel");
  images::Manifest m;
  m.name = name;
  m.version = version;
  m.bootKind = "kernel";
  m.cmdline = "console=ttyS0";
  m.blobs = {{"kernel", digest, static_cast<std::int64_t>(kernel.size())}};
  m.memoryMiB = 32;
  m.annotations = {{"appliance", "web"}};  // apply checks config values with the web grammar
  m.config = {{"instance", false, "instance label"},
              {"version", false, "version label"},
              {"interface", true, "interface NAME|MAC ADDRESS/LEN"},
              {"gateway", false, "gateway ADDRESS"}};
  std::string payload = images::serializeManifest(m);
  auto put = putManifest(admin, name, version, envelopeFor(payload, {&key}));
  if (put.status != 201 && put.status != 200) {
    throw std::runtime_error("push of " + name + ":" + version + " failed: " + put.body);
  }
  return jsonOf(put).value("digest", "");
}

int addTestHost(cli::HttpClient& admin, const std::string& dir, const std::string& name,
                const std::string& file, const std::string& labels) {
  std::string body = R"({"name":")" + name + R"(","uri":"test://)" + dir + "/" + file +
                     R"(.xml","accel":"qemu","labels":)" + labels + "}";
  auto r = admin.request("POST", "/v1/hosts", body);
  return r ? r->status : 0;
}

std::string webYaml(int replicas, const std::string& image, const std::string& extraSpec) {
  return R"(apiVersion: stele.dev/v1
kind: Network
metadata: {name: dmz}
spec:
  cidr: 10.0.0.0/24
  hostAddress: 10.0.0.254
---
apiVersion: stele.dev/v1
kind: Deployment
metadata:
  name: web
  labels: {tier: dmz}
spec:
  image: )" +
         image + R"(
  replicas: )" +
         std::to_string(replicas) + R"(
  resources: {memoryMiB: 32, vcpus: 1}
  interfaces:
    - network: dmz
      addresses: [10.0.0.10, 10.0.0.11, 10.0.0.12, 10.0.0.13]
  config: |
    gateway 10.0.0.1
)" + extraSpec;
}

}  // namespace stele::testing
