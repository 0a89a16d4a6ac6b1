// A real server ready to deploy to: a trusted key, signed test images whose manifests declare
// appliance config keys, and hosts on libvirt's test driver (tests/hypervisor/hosts/*.xml).
// Health answers are scripted through files (`stele server --test-health-dir`), unless the
// fixture is made with Health::Probed: then the server checks real guests (e2e), which run
// images pushed by pushWithCli on hosts added by addLibvirtHost.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "tests/support/registry_client.h"
#include "tests/support/server_process.h"
#include "tests/support/signing.h"

namespace stele::testing {

class DeployFixture {
 public:
  enum class Health { Scripted, Probed };
  // `extraArgs` go to `stele server` after the fixture's own (a flag given twice: the last
  // wins); `env` is its environment.
  explicit DeployFixture(std::vector<std::string> extraArgs = {},
                         std::map<std::string, std::string> env = {},
                         Health health = Health::Scripted);

  ServerProcess& server() { return *server_; }
  cli::HttpClient& admin() { return admin_; }
  // After server().start() again: the server listens on a new port.
  void reconnect() { admin_ = server_->admin(); }
  const TestKey& key() const { return key_; }
  const std::string& healthDir() const { return healthDir_.path(); }

  // Pushes NAME:VERSION signed by key() (a web-like appliance: config keys instance, version,
  // interface (required), gateway; annotation appliance=web, so apply checks config values with
  // the web appliance's grammar). Returns the manifest digest.
  std::string pushImage(const std::string& name, const std::string& version);
  // POST /v1/hosts for tests/hypervisor/hosts/FILE.xml; returns the HTTP status.
  int addHost(const std::string& name, const std::string& file, const std::string& labels = "{}");
  // `stele push NAME:VERSION SOURCE... --key K` signed by key(), SOURCE being `--draft DIR`
  // (images/build-images.sh output) or `--kernel F --initrd F --cmdline S`; returns the
  // command's exit status (its stderr goes to the test log on failure).
  int pushWithCli(const std::string& nameVersion, const std::vector<std::string>& source);
  // POST /v1/hosts for a real libvirt host (accel qemu) whose instances are reachable from the
  // network namespace `probeNetns`; returns the HTTP status.
  int addLibvirtHost(const std::string& name, const std::string& uri,
                     const std::string& probeNetns);
  cli::ClientResponse apply(const std::string& yaml, const std::string& query = "");
  // GET /v1/instances?deployment=NAME items.
  nlohmann::json instances(const std::string& deployment);
  // Polls (bounded) until `done` holds for the deployment's instances; false on timeout.
  bool waitFor(const std::string& deployment,
               const std::function<bool(const nlohmann::json&)>& done,
               std::chrono::seconds timeout = std::chrono::seconds(30));
  // Number of instances in `state`.
  static int count(const nlohmann::json& items, const std::string& state);
  // Writes the scripted health answer ("pass" or "fail: why") for an instance.
  void setHealth(const std::string& instanceId, const std::string& answer);
  nlohmann::json events(const std::string& query = "");

 private:
  TempDir healthDir_;
  std::unique_ptr<ServerProcess> server_;
  cli::HttpClient admin_;
  TestKey key_;
};

// Pushes NAME:VERSION signed by `key` (what DeployFixture::pushImage does, for any server).
std::string pushWebImage(cli::HttpClient& admin, const TestKey& key, const std::string& name,
                         const std::string& version);
// POST /v1/hosts for the test-driver host DIR/FILE.xml; returns the HTTP status.
int addTestHost(cli::HttpClient& admin, const std::string& dir, const std::string& name,
                const std::string& file, const std::string& labels = "{}");

// The reference Network + web Deployment, with `replicas` and extra spec lines.
std::string webYaml(int replicas, const std::string& image = "web:0.1.0",
                    const std::string& extraSpec = "");

}  // namespace stele::testing
