#include "tests/scheduler/reconciler_harness.h"

#include <stdexcept>

#include "common/sha256.h"
#include "images/manifest.h"
#include "scheduler/instance_state.h"
#include "store/instance_repository.h"

namespace stele::testing {
namespace {

template <typename T>
T orThrow(Result<T> r, const char* what) {
  if (!r) throw std::runtime_error(std::string(what) + ": " + r.error().message);
  return std::move(*r);
}

void orThrow(Result<void> r, const char* what) {
  if (!r) throw std::runtime_error(std::string(what) + ": " + r.error().message);
}

}  // namespace

std::map<std::string, scheduler::HealthReport> FakeHealthMonitor::reports(
    const std::vector<scheduler::HealthTarget>& targets, std::int64_t) {
  std::map<std::string, scheduler::HealthReport> out;
  for (const auto& target : targets) {
    auto answer = answers.find(target.instanceId);
    if (answer != answers.end()) {
      out[target.instanceId] = answer->second;
    } else if (passByDefault) {
      out[target.instanceId] = {true, false, "scripted pass"};
    }
  }
  lastTargets = targets.size();
  return out;
}

HarnessOptions scenarioOptions(int hosts) {
  HarnessOptions options;
  options.hosts = hosts;
  auto& s = options.reconciler.settings;
  s.hostGraceMs = 5'000;
  s.backoffBaseMs = 1'000;
  s.backoffMaxMs = 8'000;
  s.backoffResetMs = 60'000;
  s.crashLoopAfter = 3;
  return options;
}

ReconcilerHarness::ReconcilerHarness(HarnessOptions options) : options_(options), key_(makeKey()) {
  db_ = orThrow(store::Database::open(dir_.file("stele.db")), "open database");
  blobs_ = orThrow(store::BlobStore::open(dir_.path(), *db_, clock_, random_), "open blobs");
  images_ = std::make_unique<store::ImageRepository>(*db_);
  keys_ = std::make_unique<store::KeyRepository>(*db_);
  registry_ =
      std::make_unique<images::Registry>(*images_, *keys_, *blobs_, clock_, images::BlobLimits{});
  trust_ = std::make_unique<images::TrustStore>(*keys_, clock_);
  (void)orThrow(trust_->add({key_.publicPem, {"*"}, {}, {}, "harness"}), "trust key");
  pushImage("web", "0.1.0");
  hostRepo_ = std::make_unique<store::HostRepository>(*db_);
  hypervisor_ = std::make_unique<hypervisor::MemoryHypervisor>(clock_, options_.hypervisor);
  inventory_ = std::make_unique<scheduler::HostInventory>(*hostRepo_, *hypervisor_, clock_,
                                                          dir_.file("instances"));
  for (int i = 0; i < options_.hosts; ++i) {
    std::string name = "h" + std::to_string(i + 1);
    store::HostRecord record{name,  "memory:///" + name, "qemu", {"zone=a"},
                             false, clock_.nowUnix(),    ""};
    orThrow(hostRepo_->insert(record), "insert host");
    orThrow(hypervisor_->connectHost(
                {name, record.uri, hypervisor::Acceleration::Qemu, dir_.file("instances/" + name)}),
            "connect host");
    hostNames_.push_back(name);
  }
  desired_ = std::make_unique<scheduler::DesiredState>(*db_, *registry_, *inventory_, clock_);
  events_ = std::make_unique<scheduler::EventLog>(*db_, clock_);
  reconciler_ = makeReconciler();
}

void ReconcilerHarness::pushImage(const std::string& name, const std::string& version) {
  std::string kernel = "kernel of " + name + " " + version;
  auto upload = orThrow(blobs_->startUpload("kernel", 1 << 20, "tester"), "start upload");
  (void)orThrow(blobs_->append(upload.id, store::UploadCaller{"tester"}, 0, kernel), "append");
  auto blob = orThrow(
      blobs_->commit(upload.id, store::UploadCaller{"tester"}, digestString(sha256(kernel))),
      "commit");
  images::Manifest m;
  m.name = name;
  m.version = version;
  m.bootKind = "kernel";
  m.cmdline = "console=ttyS0";
  m.blobs = {{"kernel", blob.digest, static_cast<std::int64_t>(kernel.size())}};
  m.memoryMiB = 32;
  m.config = {{"instance", false, "instance label"},
              {"version", false, "version label"},
              {"interface", false, "interface NAME|MAC ADDRESS/LEN"},
              {"gateway", false, "gateway ADDRESS"}};
  std::string payload = images::serializeManifest(m);
  (void)orThrow(registry_->pushManifest({name, version, envelopeFor(payload, {&key_}), "harness"}),
                "push manifest");
}

void ReconcilerHarness::apply(const std::string& yaml) {
  scheduler::ApplyRequest request;
  request.body = yaml;
  request.appliedBy = "harness";
  (void)orThrow(desired_->apply(request), "apply");
}

std::unique_ptr<scheduler::Reconciler> ReconcilerHarness::makeReconciler() {
  return std::make_unique<scheduler::Reconciler>(*db_, *desired_, *registry_, *blobs_, *hypervisor_,
                                                 *events_, clock_, random_, &health_,
                                                 options_.reconciler);
}

void ReconcilerHarness::restart() {
  reconciler_.reset();
  reconciler_ = makeReconciler();
  orThrow(reconciler_->recover(), "recover");
}

scheduler::PassResult ReconcilerHarness::pass() {
  return orThrow(reconciler_->runOnce(), "reconcile pass");
}

PassTotals ReconcilerHarness::settle(int maxPasses) {
  PassTotals totals;
  while (totals.passes < maxPasses) {
    auto result = pass();
    totals.passes += 1;
    totals.stepsDone += result.stepsDone;
    totals.stepsFailed += result.stepsFailed;
    if (result.stepsDone == 0 && result.stepsFailed == 0) {
      totals.quiet = true;
      break;
    }
  }
  return totals;
}

std::vector<store::InstanceRecord> ReconcilerHarness::instances() {
  store::InstanceRepository repo(*db_);
  return orThrow(repo.list(), "list instances");
}

int ReconcilerHarness::count(std::string_view state) {
  int n = 0;
  for (const auto& r : instances()) n += r.state == state ? 1 : 0;
  return n;
}

std::optional<store::InstanceRecord> ReconcilerHarness::occupant(const std::string& deployment,
                                                                 int ordinal) {
  for (auto& r : instances()) {
    if (r.deployment == deployment && r.ordinal == ordinal &&
        scheduler::state::occupiesSlot(r.state)) {
      return r;
    }
  }
  return std::nullopt;
}

std::vector<store::OperationRecord> ReconcilerHarness::openOperations() {
  store::InstanceRepository repo(*db_);
  return orThrow(repo.openOperations(), "open operations");
}

DomainMap ReconcilerHarness::domains() {
  DomainMap out;
  for (const auto& host : hostNames_) {
    auto listed = hypervisor_->listInstances(host);
    if (!listed) continue;  // unreachable: what it holds is unknown
    auto& mine = out[host];
    for (auto& info : *listed) mine[info.metadata.instanceId] = std::move(info);
  }
  return out;
}

std::size_t ReconcilerHarness::domainCount() {
  std::size_t n = 0;
  for (const auto& [host, ds] : domains()) n += ds.size();
  return n;
}

std::vector<store::EventRecord> ReconcilerHarness::events(const std::string& reason) {
  store::EventQuery query;
  query.limit = 100'000;
  auto all = orThrow(events_->list(query), "list events");
  std::vector<store::EventRecord> out;
  for (auto& e : all) {
    if (reason.empty() || e.reason == reason) out.push_back(std::move(e));
  }
  return out;
}

void injectRandomFault(ReconcilerHarness& h, SeededRandom& random) {
  std::vector<std::pair<std::string, std::string>> running;
  for (const auto& [host, domains] : h.domains()) {
    for (const auto& [id, info] : domains) {
      if (info.state == hypervisor::DomainState::Running) running.emplace_back(host, id);
    }
  }
  const auto& hosts = h.hostNames();
  const std::string& host = hosts[random.below(hosts.size())];
  switch (random.below(8)) {
    case 0:
      if (!running.empty()) {
        auto [on, id] = running[random.below(running.size())];
        (void)h.hypervisor().crash(on, id);
      }
      break;
    case 1:
      if (!running.empty()) {
        auto [on, id] = running[random.below(running.size())];
        (void)h.hypervisor().powerOff(on, id);
      }
      break;
    case 2:
      h.hypervisor().setReachable(host, false);
      break;
    case 3:
      h.hypervisor().setReachable(host, true);
      break;
    case 4:
      if (!running.empty()) {
        h.health().answers[running[random.below(running.size())].second] = {false, true,
                                                                            "scripted"};
      }
      break;
    case 5:
      h.restart();
      break;
    default:
      h.clock().advanceMs(static_cast<std::int64_t>(random.below(7'000)));
      break;
  }
}

std::string deploymentYaml(const std::string& name, int replicas, int net, bool healthCheck) {
  std::string octet = std::to_string(net);
  std::string yaml = R"(apiVersion: stele.dev/v1
kind: Network
metadata: {name: )" + name +
                     R"(-net}
spec:
  cidr: 10.)" + octet +
                     R"(.0.0/16
---
apiVersion: stele.dev/v1
kind: Deployment
metadata: {name: )" + name +
                     R"(}
spec:
  image: web:0.1.0
  replicas: )" + std::to_string(replicas) +
                     R"(
  resources: {memoryMiB: 32, vcpus: 1}
  interfaces:
    - network: )" + name +
                     R"(-net
      pool: 10.)" + octet +
                     R"(.0.1-10.)" + octet + R"(.253.254
)";
  if (healthCheck) yaml += "  healthCheck:\n    http: {port: 80}\n";
  return yaml;
}

}  // namespace stele::testing
