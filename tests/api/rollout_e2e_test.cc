// Rollouts end to end with real QEMU VMs under TCG: a `stele server` rolls the real appliance
// images (built by images/build-images.sh) out on private libvirtds, each inside its own
// network namespace (tests/hypervisor/e2e/private_libvirtd.h). Health is probed from inside
// those namespaces (each host's probeNetns), and so is every check the test makes on the
// guests: nothing leaves them.
//
// - RollingUpdate (maxSurge 1, maxUnavailable 0) of two web appliances from web:0.1.0 to
//   web:0.2.0 (the same draft pushed under both versions; Stele writes the `version` config
//   line and the page shows it, so the test checks the version itself). It runs on two hosts:
//   a host's capacity is its machine's CPUs (2 here) and Stele does not overcommit vCPUs, so on
//   one host the surge instance never fits ("0/1 hosts fit: 1 insufficient vcpus") and the
//   rollout waits for good. While it runs, every 150 ms a sample asks all three addresses
//   (2 replicas + 1 spare for the surge) GET /version in every namespace at once; no sample may
//   see fewer than two addresses answer 200.
// - A broken revision (web:0.2.0 configured to serve on 8080 while its check asks port 80)
//   rolled out over two web:0.1.0 replicas, RollingUpdate maxSurge 1 / maxUnavailable 0: its
//   instances boot and never pass; after 3 of them failed, Stele rolls back to revision 1 and
//   the real `stele rollout status` exits 1 saying why. Every 150 ms a sample asks the two
//   original addresses: both answer in every sample. Afterwards revision 1's two instances
//   (the same ones) are all that runs: exactly 2 Stele domains.
// - Recreate of the dns appliance (one host, one static address): a config change is a new
//   revision; a dig every 200 ms measures how long nobody answered, and no moment may have two
//   dns instances holding a slot or two dns domains on the host.
//
// The figures printed (rollout wall time, boot-to-healthy, the recreate gap, apply to rollback)
// are for bench/ and the docs; nothing asserts on timing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <filesystem>
#include <functional>
#include <future>
#include <iomanip>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "tests/hypervisor/e2e/netns_probe.h"
#include "tests/hypervisor/e2e/private_libvirtd.h"
#include "tests/support/appliance_e2e.h"
#include "tests/support/deploy_fixture.h"
#include "tests/support/run_command.h"

namespace stele::testing {
namespace {

using namespace std::chrono_literals;
using hypervisor::e2e::PrivateLibvirtd;
using Clock = std::chrono::steady_clock;

std::string imagesDir() { return std::string(STELE_IMAGES_DIR); }

double secondsBetween(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

// Milliseconds since the epoch of an API time ("2024-05-01T12:00:00.250Z"); -1 if none.
std::int64_t epochMsOf(const nlohmann::json& time) {
  if (!time.is_string()) return -1;
  std::tm tm{};
  int ms = 0;
  if (std::sscanf(time.get<std::string>().c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon,
                  &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7)
    return -1;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000 + ms;
}

// Every `period`, from a thread of its own, starts all `probes` at once (each on a thread of
// its own, so a probe that waits out its timeout neither delays the next sample nor the other
// probes of its sample) and keeps what each returned, with the time the sample started.
template <class T>
class Sampler {
 public:
  struct Sample {
    Clock::time_point at;
    std::vector<T> results;
  };

  Sampler(std::vector<std::function<T()>> probes, std::chrono::milliseconds period)
      : probes_(std::move(probes)), period_(period), ticker_([this] { run(); }) {}
  ~Sampler() { stop(); }
  Sampler(const Sampler&) = delete;
  Sampler& operator=(const Sampler&) = delete;

  // Stops sampling, waits for the probes under way, and returns every sample in time order.
  std::vector<Sample> stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (ticker_.joinable()) ticker_.join();
    std::vector<Sample> samples;
    for (auto& [at, futures] : pending_) {
      Sample sample{at, {}};
      for (auto& f : futures) sample.results.push_back(f.get());
      samples.push_back(std::move(sample));
    }
    pending_.clear();
    return samples;
  }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    for (auto next = Clock::now(); !stopping_; next += period_) {
      std::vector<std::future<T>> futures;
      futures.reserve(probes_.size());
      for (const auto& probe : probes_) futures.push_back(std::async(std::launch::async, probe));
      pending_.emplace_back(Clock::now(), std::move(futures));
      wake_.wait_until(lock, next + period_, [this] { return stopping_; });
    }
  }

  std::vector<std::function<T()>> probes_;
  std::chrono::milliseconds period_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::deque<std::pair<Clock::time_point, std::vector<std::future<T>>>> pending_;
  std::thread ticker_;  // last: it starts once everything it uses is made
};

// What GET /version (the body "INSTANCE VERSION") on one web address answered.
struct WebAnswer {
  bool ok = false;      // HTTP 200 within the timeout
  std::string version;  // the image version the page names
};

WebAnswer askWebVersion(const std::string& netns, const std::string& address,
                        std::uint16_t port = 80) {
  auto reply = hypervisor::e2e::tcpExchangeInNamespace(
      netns, address, port, "GET /version HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n",
      1000ms);
  WebAnswer answer;
  if (!reply || !reply->starts_with("HTTP/1.1 200")) return answer;
  answer.ok = true;
  auto body = reply->find("\r\n\r\n");
  std::istringstream words(body == std::string::npos ? "" : reply->substr(body + 4));
  std::string instance;
  words >> instance >> answer.version;
  return answer;
}

// What answered for address `a` in a sample of probes a * hosts + h (any host), or null.
const WebAnswer* answerFor(const std::vector<WebAnswer>& results, std::size_t a,
                           std::size_t hosts) {
  for (std::size_t h = 0; h < hosts; ++h) {
    if (results[a * hosts + h].ok) return &results[a * hosts + h];
  }
  return nullptr;
}

// The A records dig found for NAME at SERVER from inside the namespace ("" when no answer).
std::string digInNamespace(const std::string& netns, const std::string& server,
                           const std::string& name) {
  auto r = runCommand({"ip", "netns", "exec", netns, "dig", "+short", "+time=1", "+tries=1",
                       "@" + server, name, "A"});
  if (r.exitStatus != 0) return "";
  while (!r.out.empty() && std::isspace(static_cast<unsigned char>(r.out.back()))) r.out.pop_back();
  return r.out;
}

// Instances holding a slot: what runs or may run on the host (all but Lost and Gone).
int slotHolders(const nlohmann::json& items) {
  int n = 0;
  for (const auto& i : items) n += i["state"] != "Lost" && i["state"] != "Gone" ? 1 : 0;
  return n;
}

// All `n` instances Available, of `revision` and image `version`, and no other instance.
bool allAvailableAt(const nlohmann::json& items, std::size_t n, std::int64_t revision,
                    const std::string& version) {
  return items.size() == n && std::all_of(items.begin(), items.end(), [&](const nlohmann::json& i) {
           return i["state"] == "Available" && i["revision"] == revision &&
                  i["image"]["version"] == version;
         });
}

// As allAvailableAt, over the instances holding a slot or Lost: a Gone record (the history of
// a slot, forgotten a moment later) aside.
bool settledAt(const nlohmann::json& items, std::size_t n, std::int64_t revision,
               const std::string& version) {
  nlohmann::json holding = nlohmann::json::array();
  for (const auto& i : items) {
    if (i["state"] != "Gone") holding.push_back(i);
  }
  return allAvailableAt(holding, n, revision, version);
}

const std::vector<std::string> kWebAddresses = {"10.0.0.10", "10.0.0.11", "10.0.0.12"};

// Two web appliances on `image`; `config` (lines indented by 4) is their appliance config.
std::string webYaml(const std::string& image, const std::string& config = "",
                    int startupTimeoutMs = 120000) {
  return std::string(kDmzNetworkYaml) + R"(apiVersion: stele.dev/v1
kind: Deployment
metadata: {name: web}
spec:
  image: )" +
         image +
         R"(
  replicas: 2
  resources: {memoryMiB: 32, vcpus: 1}
  interfaces:
    - network: dmz
      addresses: [10.0.0.10, 10.0.0.11, 10.0.0.12]
)" + (config.empty() ? "" : "  config: |\n" + config) +
         R"(  healthCheck:
    http: {port: 80, path: /healthz}
    periodMs: 200
    timeoutMs: 500
    failureThreshold: 3
    startupTimeoutMs: )" +
         std::to_string(startupTimeoutMs) + R"(
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  minReadyMs: 2000
)";
}

// dns with a Recreate strategy; a startup timeout that tolerates a loaded machine.
std::string dnsYaml(const std::string& wwwAddress) {
  return std::string(kDmzNetworkYaml) +
         dnsDeploymentYaml(wwwAddress,
                           "    startupTimeoutMs: 120000\n  strategy: {type: Recreate}\n");
}

class RolloutE2e : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(applianceImagesBuilt(imagesDir(), {"web", "dns"})); }

  // `count` private libvirtds (hosts a, b, ...), a server that deploys to them, and the images
  // pushed. Each host has the machine's CPUs as its capacity (2 here) and Stele does not
  // overcommit vCPUs, so a surge instance beside two of 1 vCPU needs a second host.
  void startHosts(int count) {
    for (int n = 0; n < count; ++n) {
      auto started = PrivateLibvirtd::start(std::string("roll") + char('a' + n));
      ASSERT_TRUE(started) << started.error().message;
      hosts_.push_back(std::move(*started));
    }
    // Every socket (ROOT/run/libvirt-sock) lies below the scratch roots' common parent.
    std::string socketDir = std::filesystem::path(hosts_[0]->root()).parent_path().string();
    for (const auto& host : hosts_)
      ASSERT_EQ(std::filesystem::path(host->root()).parent_path().string(), socketDir);
    fx_ = std::make_unique<DeployFixture>(
        std::vector<std::string>{"--host-socket-dir", socketDir, "--backoff-base-ms", "500",
                                 "--reconcile-backstop-ms", "500"},
        std::map<std::string, std::string>{}, DeployFixture::Health::Probed);
    // One draft under two versions: the same blobs, a manifest of its own for each.
    for (const char* image : {"web:0.1.0", "web:0.2.0"})
      ASSERT_EQ(fx_->pushWithCli(image, {"--draft", imagesDir() + "/web"}), 0);
    ASSERT_EQ(fx_->pushWithCli("dns:0.1.0", {"--draft", imagesDir() + "/dns"}), 0);
    for (int n = 0; n < count; ++n) {
      ASSERT_EQ(fx_->addLibvirtHost(hostName(n), hosts_[n]->uri(), hosts_[n]->netns()), 201);
    }
  }

  static std::string hostName(std::size_t n) { return std::string(1, char('a' + n)); }

  // The namespace of the host an instance runs on.
  const std::string& netnsOf(const nlohmann::json& instance) {
    for (std::size_t n = 0; n < hosts_.size(); ++n) {
      if (instance["host"] == hostName(n)) return hosts_[n]->netns();
    }
    return hosts_.at(0)->netns();
  }

  // Polls GET /v1/instances every 250 ms until `done` holds, showing every poll to `watch`
  // first; on timeout the message shows the last items, the events and the server's log.
  ::testing::AssertionResult waitUntil(
      const std::string& deployment, const std::string& what,
      const std::function<bool(const nlohmann::json&)>& done, std::chrono::seconds timeout,
      const std::function<void(const nlohmann::json&)>& watch = {}) {
    auto deadline = Clock::now() + timeout;
    nlohmann::json items;
    while (Clock::now() < deadline) {
      items = fx_->instances(deployment);
      if (watch) watch(items);
      if (done(items)) return ::testing::AssertionSuccess();
      std::this_thread::sleep_for(250ms);
    }
    return ::testing::AssertionFailure()
           << what << " not seen within " << timeout.count() << " s; last instances:\n"
           << items.dump(2) << "\nevents:\n"
           << fx_->events("?deployment=" + deployment).dump(2) << "\nserver log (tail):\n"
           << logTail();
  }

  // Applies `yaml`, the deployment's revision 2, and waits (bounded) until `n` instances of it
  // (image `version`) are Available and nothing else holds a slot.
  ::testing::AssertionResult rollOut(const std::string& yaml, const std::string& deployment,
                                     std::size_t n, const std::string& version,
                                     const std::function<void(const nlohmann::json&)>& watch) {
    auto applied = fx_->apply(yaml);
    if (applied.status != 200)
      return ::testing::AssertionFailure() << "apply: " << applied.status << " " << applied.body;
    return waitUntil(
        deployment,
        std::to_string(n) + " Available instance(s) of revision 2 (" + version +
            "), nothing else holding a slot",
        [&](const nlohmann::json& items) { return settledAt(items, n, 2, version); }, 300s, watch);
  }

  std::string logTail() {
    std::string log = fx_->server().logText();
    return log.size() > 20000 ? log.substr(log.size() - 20000) : log;
  }

  // Stele domains the private libvirtds run, as their own virsh lists them.
  int steleDomains() {
    int n = 0;
    for (const auto& host : hosts_) {
      auto listed = runCommand({"virsh", "-c", host->uri(), "list", "--name"});
      std::istringstream lines(listed.out);
      for (std::string line; std::getline(lines, line);) n += line.starts_with("stele-") ? 1 : 0;
    }
    return n;
  }

  // The real CLI against the server, as a CI pipeline runs it.
  CommandResult stele(std::vector<std::string> args) {
    args.insert(args.begin(), STELE_BINARY);
    return runCommand(
        args, {{"STELE_SERVER", fx_->server().url()}, {"STELE_TOKEN", fx_->server().adminToken()}});
  }

  // GET `path` as JSON; on a transport error or another status than 200, what went wrong.
  nlohmann::json get(const std::string& path) {
    auto r = fx_->admin().request("GET", path);
    if (!r) return {{"transportError", r.error().message}};
    return r->status == 200 ? jsonOf(*r) : nlohmann::json{{"status", r->status}, {"body", r->body}};
  }

  std::vector<std::unique_ptr<PrivateLibvirtd>> hosts_;
  std::unique_ptr<DeployFixture> fx_;
};

TEST_F(RolloutE2e, RollingUpdateKeepsTwoOfThreeAddressesAnsweringWhileItReplacesBoth) {
  ASSERT_NO_FATAL_FAILURE(startHosts(2));
  auto applied = Clock::now();
  auto appliedWall = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  ASSERT_EQ(fx_->apply(webYaml("web:0.1.0")).status, 200);
  std::optional<Clock::time_point> firstAvailable;
  ASSERT_TRUE(waitUntil(
      "web", "2 Available instances of web:0.1.0",
      [](const nlohmann::json& items) { return allAvailableAt(items, 2, 1, "0.1.0"); }, 240s,
      [&](const nlohmann::json& items) {
        if (!firstAvailable && DeployFixture::count(items, "Available") > 0)
          firstAvailable = Clock::now();
      }));
  auto bothAvailable = Clock::now();
  // Boot-to-healthy as the server recorded it: apply to each instance's Available `since`
  // (both booted at once, sharing the machine's two cores).
  std::vector<double> serverBoot;
  for (const auto& i : fx_->instances("web")) {
    serverBoot.push_back(static_cast<double>(epochMsOf(i["since"]) - appliedWall) / 1000);
    std::string page = pageInNamespace(netnsOf(i), i["addresses"]["dmz"]);
    EXPECT_NE(page.find(i["id"].get<std::string>()), std::string::npos) << page;
    EXPECT_NE(page.find("<strong id=\"version\">0.1.0</strong>"), std::string::npos) << page;
  }
  std::vector<std::string> oldIds;
  for (const auto& i : fx_->instances("web")) oldIds.push_back(i["id"]);

  // An address lives in the namespace of the host its instance runs on: each sample asks every
  // address in every namespace, probe a * hosts + h.
  std::vector<std::function<WebAnswer()>> probes;
  for (const auto& address : kWebAddresses) {
    for (const auto& host : hosts_)
      probes.push_back([netns = host->netns(), address] { return askWebVersion(netns, address); });
  }
  Sampler<WebAnswer> checker(probes, 150ms);
  std::this_thread::sleep_for(2s);  // a baseline on 0.1.0 before the rollout starts

  int mostHolders = 0;
  int fewestAvailable = 2;
  nlohmann::json fewestAt;
  auto rolloutStart = Clock::now();
  ::testing::AssertionResult done =
      rollOut(webYaml("web:0.2.0"), "web", 2, "0.2.0", [&](const nlohmann::json& items) {
        mostHolders = std::max(mostHolders, slotHolders(items));
        if (DeployFixture::count(items, "Available") < fewestAvailable) {
          fewestAvailable = DeployFixture::count(items, "Available");
          fewestAt = items;
        }
      });
  auto rolloutEnd = Clock::now();
  std::this_thread::sleep_for(2s);  // the new revision alone, to the end of the samples
  auto samples = checker.stop();
  ASSERT_TRUE(done);

  EXPECT_LE(mostHolders, 3) << "replicas 2 + maxSurge 1";
  EXPECT_EQ(fewestAvailable, 2) << "maxUnavailable 0; the API showed:\n" << fewestAt.dump(2);
  // Samples: every one saw two addresses answer at least; the first ones only 0.1.0, the
  // last ones only 0.2.0.
  ASSERT_GT(samples.size(), 10u);
  int fewestAnswering = 3;
  std::map<std::string, int> versionsSeen;
  std::ostringstream failures;
  std::ostringstream timeline;  // the samples where what answered changed
  timeline << std::fixed << std::setprecision(2);
  std::string lastLine;
  for (const auto& s : samples) {
    int answering = 0;
    std::string line;
    for (std::size_t a = 0; a < kWebAddresses.size(); ++a) {
      const WebAnswer* answer = answerFor(s.results, a, hosts_.size());
      answering += answer != nullptr ? 1 : 0;
      line += " " + kWebAddresses[a] + "=" + (answer != nullptr ? answer->version : "-");
      if (answer != nullptr) ++versionsSeen[answer->version];
    }
    fewestAnswering = std::min(fewestAnswering, answering);
    if (line != lastLine) {
      timeline << "  " << std::showpos << secondsBetween(rolloutStart, s.at) << std::noshowpos
               << " s:" << line << "\n";
      lastLine = line;
    }
    if (answering < 2)
      failures << "  at +" << secondsBetween(rolloutStart, s.at) << " s:" << line << "\n";
  }
  EXPECT_GE(fewestAnswering, 2) << "samples with fewer than 2 addresses answering:\n"
                                << failures.str();
  for (const auto& r : samples.front().results) EXPECT_TRUE(!r.ok || r.version == "0.1.0");
  for (const auto& r : samples.back().results) EXPECT_TRUE(!r.ok || r.version == "0.2.0");
  for (const auto& s : samples) {
    for (std::size_t a = 0; a < kWebAddresses.size(); ++a) {
      int hostsAnswering = 0;
      for (std::size_t h = 0; h < hosts_.size(); ++h)
        hostsAnswering += s.results[a * hosts_.size() + h].ok ? 1 : 0;
      EXPECT_LE(hostsAnswering, 1) << kWebAddresses[a] << " answered on two hosts at once";
    }
  }

  // The end: exactly 2 instances (the Gone record of the slot no longer used is forgotten),
  // new ones, revision 2, and their pages name them and 0.2.0.
  EXPECT_TRUE(waitUntil(
      "web", "exactly 2 instances (no Gone record left)",
      [](const nlohmann::json& items) { return allAvailableAt(items, 2, 2, "0.2.0"); }, 60s));
  auto after = fx_->instances("web");
  std::vector<double> rolloutBoot;
  for (const auto& i : after) {
    std::string id = i["id"];
    EXPECT_EQ(std::count(oldIds.begin(), oldIds.end(), id), 0) << id << " was not replaced";
    std::string page = pageInNamespace(netnsOf(i), i["addresses"]["dmz"]);
    EXPECT_NE(page.find(id), std::string::npos) << page;
    EXPECT_NE(page.find("<strong id=\"version\">0.2.0</strong>"), std::string::npos) << page;
    rolloutBoot.push_back(static_cast<double>(epochMsOf(i["since"]) - epochMsOf(i["createdAt"])) /
                          1000);
  }
  auto deployment = fx_->admin().request("GET", "/v1/deployments/web");
  ASSERT_TRUE(deployment);
  EXPECT_EQ(jsonOf(*deployment)["metadata"]["revision"], 2) << deployment->body;

  double wall = secondsBetween(rolloutStart, rolloutEnd);
  double boot = secondsBetween(applied, *firstAvailable);
  std::printf(
      "rolling update e2e: %zu samples every 150 ms, fewest answering %d of 3; answers by "
      "version: 0.1.0 %d, 0.2.0 %d\n",
      samples.size(), fewestAnswering, versionsSeen["0.1.0"], versionsSeen["0.2.0"]);
  std::printf("rolling update e2e: what answered, from the apply of 0.2.0:\n%s",
              timeline.str().c_str());
  std::printf(
      "rolling update e2e: first deploy apply -> first Available %.1f s, both %.1f s (server "
      "times %.1f s, %.1f s); during the rollout each new instance created -> Available %.1f s, "
      "%.1f s\n",
      boot, secondsBetween(applied, bothAvailable), serverBoot.at(0), serverBoot.at(1),
      rolloutBoot.at(0), rolloutBoot.at(1));
  std::printf(
      "rolling update e2e: rollout wall time %.1f s; boot-to-healthy %.1f s; rollout / (2 x "
      "boot-to-healthy) = %.2f (minReadyMs 2000 per new instance)\n",
      wall, boot, wall / (2 * boot));
}

// The broken revision: web:0.2.0 (a signed real image) whose config makes it serve on 8080,
// while its check asks port 80: it boots and serves, and every probe is refused. Its startup
// timeout (30 s, well past a TCG boot) keeps the test short: a broken instance fails once it
// has passed.
const char* const kBrokenWebConfig = "    listen 0.0.0.0:8080\n";

TEST_F(RolloutE2e, ABrokenRevisionIsRolledBackWhileTheOldInstancesServeAndRolloutStatusExitsOne) {
  ASSERT_NO_FATAL_FAILURE(startHosts(2));
  ASSERT_EQ(fx_->apply(webYaml("web:0.1.0")).status, 200);
  ASSERT_TRUE(waitUntil(
      "web", "2 Available instances of web:0.1.0",
      [](const nlohmann::json& items) { return allAvailableAt(items, 2, 1, "0.1.0"); }, 240s));
  std::vector<std::string> oldIds;
  for (const auto& i : fx_->instances("web")) oldIds.push_back(i["id"]);
  std::sort(oldIds.begin(), oldIds.end());

  // Each sample asks every address on port 80 in every namespace (probe a * hosts + h), then the
  // spare address on 8080, where a broken instance serves (probe 3 * hosts + h).
  std::vector<std::function<WebAnswer()>> probes;
  for (const auto& address : kWebAddresses) {
    for (const auto& host : hosts_)
      probes.push_back([netns = host->netns(), address] { return askWebVersion(netns, address); });
  }
  for (const auto& host : hosts_) {
    probes.push_back(
        [netns = host->netns()] { return askWebVersion(netns, kWebAddresses[2], 8080); });
  }
  Sampler<WebAnswer> checker(probes, 150ms);
  std::this_thread::sleep_for(2s);  // a baseline on 0.1.0

  auto applied = Clock::now();
  auto appliedWall = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  auto broken = fx_->apply(webYaml("web:0.2.0", kBrokenWebConfig, 30000));
  ASSERT_EQ(broken.status, 200) << broken.body;
  auto status = std::async(std::launch::async, [this] {
    return stele({"rollout", "status", "web", "--timeout", "300s"});
  });
  // While it runs (the CLI bounds itself by --timeout): what holds a slot, and the domains.
  int mostHolders = 0;
  int mostDomains = 0;
  std::set<std::string> brokenIds;
  nlohmann::json mostAt;
  while (status.wait_for(250ms) != std::future_status::ready) {
    auto items = fx_->instances("web");
    if (slotHolders(items) > mostHolders) {
      mostHolders = slotHolders(items);
      mostAt = items;
    }
    for (const auto& i : items) {
      if (i["revision"] == 2) brokenIds.insert(i["id"].get<std::string>());
    }
    mostDomains = std::max(mostDomains, steleDomains());
  }
  CommandResult result = status.get();
  auto statusExited = Clock::now();

  // Back on revision 1: its two instances, never replaced, and nothing else on the hosts.
  ::testing::AssertionResult settled = waitUntil(
      "web", "exactly the 2 instances of revision 1 (0.1.0)",
      [](const nlohmann::json& items) { return allAvailableAt(items, 2, 1, "0.1.0"); }, 300s);
  auto domainsDeadline = Clock::now() + 120s;
  while (Clock::now() < domainsDeadline && steleDomains() != 2) std::this_thread::sleep_for(250ms);
  std::this_thread::sleep_for(2s);  // revision 1 alone, to the end of the samples
  auto samples = checker.stop();

  EXPECT_EQ(result.exitStatus, 1) << result.out << result.err;
  EXPECT_NE(result.out.find("rollout of revision 2 failed: 3 instances of revision 2 failed"),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("rolled back to revision 1"), std::string::npos) << result.out;
  ASSERT_TRUE(settled);
  std::vector<std::string> ids;
  for (const auto& i : fx_->instances("web")) ids.push_back(i["id"]);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, oldIds) << "the rollback keeps the instances of revision 1 that still run";
  for (const auto& i : fx_->instances("web")) {
    std::string page = pageInNamespace(netnsOf(i), i["addresses"]["dmz"]);
    EXPECT_NE(page.find("<strong id=\"version\">0.1.0</strong>"), std::string::npos) << page;
  }
  EXPECT_EQ(steleDomains(), 2) << "no domain of the broken revision left";
  EXPECT_LE(mostHolders, 3) << "replicas 2 + maxSurge 1; the API showed:\n" << mostAt.dump(2);
  EXPECT_LE(mostDomains, 3);
  EXPECT_EQ(brokenIds.size(), 3u) << "the failure limit: 3 instances of revision 2";

  auto rollout = get("/v1/deployments/web/rollout");
  EXPECT_EQ(rollout["revision"], 1) << rollout.dump(2);
  EXPECT_EQ(rollout["rollbackOf"], 2) << rollout.dump(2);
  auto history = get("/v1/deployments/web/revisions");
  bool failed = false;
  for (const auto& r : history["items"])
    failed = failed || (r["revision"] == 2 && r["outcome"] == "Failed");
  EXPECT_TRUE(failed) << history.dump(2);
  // Why the instances failed, and when the server rolled back.
  auto events = fx_->events("?deployment=web&limit=5000");
  int refused = 0;
  std::int64_t rolledBackMs = -1;
  for (const auto& e : events) {
    std::string message = e["message"];
    refused += message.find("health check failed: connect refused") != std::string::npos ? 1 : 0;
    if (e["reason"] == "RolledBack" && rolledBackMs < 0) rolledBackMs = epochMsOf(e["time"]);
  }
  EXPECT_GE(refused, 1) << "the failures name the refused check:\n" << events.dump(2);
  ASSERT_GE(rolledBackMs, 0) << events.dump(2);

  // Samples: both original addresses answered (0.1.0) in every one; port 80 of the spare address
  // never answered, while a broken instance served on its 8080 now and then.
  ASSERT_GT(samples.size(), 10u);
  const std::size_t hostCount = hosts_.size();
  int fewestAnswering = 2;
  int spareOn80 = 0;
  int brokenServing = 0;
  std::ostringstream failures;
  for (const auto& s : samples) {
    int answering = 0;
    for (std::size_t a = 0; a < 2; ++a) {
      const WebAnswer* answer = answerFor(s.results, a, hostCount);
      answering += answer != nullptr && answer->version == "0.1.0" ? 1 : 0;
    }
    fewestAnswering = std::min(fewestAnswering, answering);
    if (answering < 2)
      failures << "  at " << std::showpos << secondsBetween(applied, s.at) << std::noshowpos
               << " s: " << answering << "\n";
    spareOn80 += answerFor(s.results, 2, hostCount) != nullptr ? 1 : 0;
    brokenServing += answerFor(s.results, 3, hostCount) != nullptr ? 1 : 0;
  }
  EXPECT_GE(fewestAnswering, 2) << "samples (from the apply) where an original address did not "
                                   "answer:\n"
                                << failures.str();
  EXPECT_EQ(spareOn80, 0) << "a broken instance answered its health check's port";
  EXPECT_GT(brokenServing, 0) << "no broken instance ever served on 8080";

  std::printf(
      "broken rollout e2e: apply -> RolledBack event %.1f s (server time); apply -> rollout "
      "status exited (%d) %.1f s; %zu broken instances, %d failed with connect refused\n",
      static_cast<double>(rolledBackMs - appliedWall) / 1000, result.exitStatus,
      secondsBetween(applied, statusExited), brokenIds.size(), refused);
  std::printf(
      "broken rollout e2e: %zu samples every 150 ms, fewest of the 2 original addresses answering "
      "%d; a broken instance served on 8080 in %d samples, port 80 of the spare address in %d\n",
      samples.size(), fewestAnswering, brokenServing, spareOn80);
  std::printf("broken rollout e2e: rollout status said:\n%s", result.out.c_str());
}

TEST_F(RolloutE2e, RecreateNeverRunsTwoDnsServersAndAnswersWithTheNewConfig) {
  ASSERT_NO_FATAL_FAILURE(startHosts(1));
  const std::string& netns = hosts_[0]->netns();
  auto applied = Clock::now();
  ASSERT_EQ(fx_->apply(dnsYaml("10.0.0.10")).status, 200);
  ASSERT_TRUE(waitUntil(
      "dns", "1 Available dns instance",
      [](const nlohmann::json& items) { return allAvailableAt(items, 1, 1, "0.1.0"); }, 240s));
  double boot = secondsBetween(applied, Clock::now());
  std::string oldId = fx_->instances("dns")[0]["id"];
  ASSERT_EQ(digInNamespace(netns, "10.0.0.53", "www.example.test"), "10.0.0.10");

  Sampler<std::string> digs(
      {[netns] { return digInNamespace(netns, "10.0.0.53", "www.example.test"); }}, 200ms);
  std::this_thread::sleep_for(2s);  // a baseline on the old record
  int mostHolders = 0;
  int mostDomains = 0;
  nlohmann::json mostAt;
  auto rolloutStart = Clock::now();
  ::testing::AssertionResult done =
      rollOut(dnsYaml("10.0.0.20"), "dns", 1, "0.1.0", [&](const nlohmann::json& items) {
        if (slotHolders(items) > mostHolders) {
          mostHolders = slotHolders(items);
          mostAt = items;
        }
        mostDomains = std::max(mostDomains, steleDomains());
      });
  auto available = Clock::now();
  // The new server answers once its address is reachable again: wait (bounded) for that.
  auto deadline = Clock::now() + 60s;
  while (Clock::now() < deadline &&
         digInNamespace(netns, "10.0.0.53", "www.example.test") != "10.0.0.20")
    std::this_thread::sleep_for(200ms);
  std::this_thread::sleep_for(1s);
  auto samples = digs.stop();
  ASSERT_TRUE(done);

  EXPECT_EQ(mostHolders, 1) << "Recreate: never two instances holding a slot; the API showed:\n"
                            << mostAt.dump(2);
  EXPECT_EQ(mostDomains, 1) << "Recreate: never two dns domains on the host";
  auto items = fx_->instances("dns");
  ASSERT_EQ(slotHolders(items), 1) << items.dump(2);
  for (const auto& i : items) {
    if (i["state"] != "Gone") {
      EXPECT_NE(i["id"], oldId) << "the instance was replaced";
    }
  }
  EXPECT_EQ(digInNamespace(netns, "10.0.0.53", "www.example.test"), "10.0.0.20");

  // The gap: from the last sample the old server answered to the first the new one did. After
  // the new answer, the old one never comes back.
  std::optional<Clock::time_point> lastOld;
  std::optional<Clock::time_point> firstNew;
  int unanswered = 0;
  std::ostringstream odd;
  std::ostringstream timeline;
  timeline << std::fixed << std::setprecision(2);
  std::optional<std::string> lastAnswer;
  for (const auto& s : samples) {
    const std::string& answer = s.results.at(0);
    if (answer != lastAnswer) {
      timeline << "  " << std::showpos << secondsBetween(rolloutStart, s.at) << std::noshowpos
               << " s: " << (answer.empty() ? "no answer" : answer) << "\n";
      lastAnswer = answer;
    }
    if (answer == "10.0.0.10") {
      if (firstNew) odd << "  old answer at +" << secondsBetween(rolloutStart, s.at) << " s\n";
      lastOld = s.at;
    } else if (answer == "10.0.0.20") {
      if (!firstNew) firstNew = s.at;
    } else if (answer.empty()) {
      ++unanswered;
    } else {
      odd << "  answer '" << answer << "' at +" << secondsBetween(rolloutStart, s.at) << " s\n";
    }
  }
  EXPECT_EQ(odd.str(), "") << "answers other than old, then nothing, then new";
  ASSERT_TRUE(lastOld && firstNew) << samples.size() << " samples";
  double gap = secondsBetween(*lastOld, *firstNew);
  std::printf("recreate gap: %.1f s\n", gap);
  std::printf(
      "recreate e2e: %zu digs every 200 ms, %d unanswered; apply -> new instance Available "
      "%.1f s, -> answered %.1f s; first deploy apply -> Available %.1f s\n",
      samples.size(), unanswered, secondsBetween(rolloutStart, available),
      secondsBetween(rolloutStart, *firstNew), boot);
  std::printf("recreate e2e: what answered, from the apply:\n%s", timeline.str().c_str());
}

}  // namespace
}  // namespace stele::testing
