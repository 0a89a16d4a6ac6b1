// What the benchmarks that drive a real `stele server` share: the server on test-driver hosts,
// the fleet it converges, instance counts by state, and /metrics samples.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/deploy_fixture.h"
#include "tests/support/registry_client.h"
#include "tests/support/server_process.h"
#include "tests/support/signing.h"
#include "tests/support/temp_dir.h"

namespace stele::bench {

// A real `stele server` (--allow-test-hosts, --test-health-dir) on a fresh data directory
// with `hosts` test-driver hosts big-0 ... of 256 CPUs and 256 GiB each, a trusted key and
// web:0.1.0 pushed: what a benchmark of the control plane starts from.
class TestDriverServer {
 public:
  explicit TestDriverServer(int hosts) {
    hostsDir_ = temp_.file("hosts");
    healthDir_ = temp_.file("health");
    std::filesystem::create_directories(hostsDir_);
    std::filesystem::create_directories(healthDir_);
    for (int h = 0; h < hosts; ++h) writeHostXml(hostXml(h));
    server_ = std::make_unique<testing::ServerProcess>(
        std::vector<std::string>{"--allow-test-hosts", hostsDir_, "--test-health-dir", healthDir_});
    cli::HttpClient admin = server_->admin();
    auto key = testing::makeKey();
    if (testing::addKey(admin, key) != 201) throw std::runtime_error("cannot trust the key");
    testing::pushWebImage(admin, key, "web", "0.1.0");
    for (int h = 0; h < hosts; ++h) {
      std::string name = "big-" + std::to_string(h);
      if (int status = testing::addTestHost(admin, hostsDir_, name, name); status != 201) {
        throw std::runtime_error("POST /v1/hosts " + name + ": " + std::to_string(status));
      }
    }
  }
  testing::ServerProcess& server() { return *server_; }
  std::string hostXml(int h) const { return hostsDir_ + "/big-" + std::to_string(h) + ".xml"; }
  std::string file(const std::string& name) const { return temp_.file(name); }
  // The scripted health answer of an instance with a health check: "pass" or "fail: why".
  void setHealth(const std::string& instanceId, const std::string& answer) const {
    std::string path = healthDir_ + "/" + instanceId;
    std::ofstream(path + ".tmp") << answer << "\n";
    std::filesystem::rename(path + ".tmp", path);
  }

 private:
  static void writeHostXml(const std::string& path) {
    std::ofstream out(path);
    out << "<node>\n  <cpu><mhz>2000</mhz><model>x86_64</model><active>256</active>"
           "<nodes>1</nodes><sockets>1</sockets><cores>256</cores><threads>1</threads></cpu>\n"
           "  <memory>268435456</memory>\n</node>\n";
    if (!out.flush()) throw std::runtime_error("cannot write " + path);
  }

  testing::TempDir temp_;
  std::string hostsDir_;
  std::string healthDir_;
  std::unique_ptr<testing::ServerProcess> server_;
};

// Instances of `deployment` per state (GET /v1/instances?deployment=); with `revision` > 0,
// only those of that revision.
inline std::map<std::string, int> countStates(cli::HttpClient& client,
                                              const std::string& deployment,
                                              std::int64_t revision = 0) {
  std::map<std::string, int> out;
  auto r = client.request("GET", "/v1/instances?deployment=" + deployment);
  if (!r || r->status != 200) {
    std::fprintf(stderr, "GET instances: %s\n", r ? r->body.c_str() : r.error().message.c_str());
    return out;
  }
  nlohmann::json body = stele::testing::jsonOf(*r);  // kept alive: the loop reads into it
  for (const auto& item : body["items"]) {
    if (revision == 0 || item.value("revision", std::int64_t{0}) == revision) {
      out[item.value("state", "")] += 1;
    }
  }
  return out;
}

inline std::string describe(const std::map<std::string, int>& states) {
  std::string out;
  for (const auto& [state, n] : states) {
    out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + state;
  }
  return out.empty() ? "no instances" : out;
}

// A Network `fleet` (10.1.0.0/16) and a Deployment `fleet` of `replicas` (web:0.1.0, 1 vcpu,
// 32 MiB) with addresses from a pool of 1,985; `gateway` is the last byte of the gateway in its
// config (a change of it makes a new revision) and `extraSpec` ends its spec.
inline std::string fleetYaml(int replicas, int gateway = 1, const std::string& extraSpec = "") {
  return R"(apiVersion: stele.dev/v1
kind: Network
metadata: {name: fleet}
spec:
  cidr: 10.1.0.0/16
  hostAddress: 10.1.255.254
---
apiVersion: stele.dev/v1
kind: Deployment
metadata: {name: fleet}
spec:
  image: web:0.1.0
  replicas: )" +
         std::to_string(replicas) + R"(
  resources: {memoryMiB: 32, vcpus: 1}
  interfaces:
    - network: fleet
      pool: 10.1.0.10-10.1.7.250
  config: |
    gateway 10.1.0.)" +
         std::to_string(gateway) + "\n" + extraSpec;
}

// The value of an unlabelled Prometheus sample `name` in GET /metrics, or -1.
inline double metric(cli::HttpClient& client, const std::string& name) {
  auto r = client.request("GET", "/metrics");
  if (!r || r->status != 200) return -1;
  std::string needle = "\n" + name + " ";
  auto at = r->body.find(needle);
  return at == std::string::npos ? -1 : std::atof(r->body.c_str() + at + needle.size());
}

}  // namespace stele::bench
