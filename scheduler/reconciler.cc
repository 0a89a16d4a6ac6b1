#include "scheduler/reconciler.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "common/crashpoint.h"
#include "scheduler/instance_config.h"
#include "scheduler/instance_state.h"
#include "store/host_repository.h"
#include "store/instance_repository.h"
#include "store/pattern_list.h"
#include "store/revision_repository.h"

namespace stele::scheduler {
namespace {

std::map<std::string, std::string> labelMap(const std::vector<std::string>& labels) {
  std::map<std::string, std::string> out;
  for (const auto& label : labels) {
    auto eq = label.find('=');
    if (eq != std::string::npos) out[label.substr(0, eq)] = label.substr(eq + 1);
  }
  return out;
}

bool selects(const std::map<std::string, std::string>& selector,
             const std::map<std::string, std::string>& labels) {
  for (const auto& [key, value] : selector) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  return true;
}

std::string firstAddress(const store::InstanceRecord& r) {
  auto parsed = nlohmann::json::parse(r.addresses, nullptr, false);
  if (!parsed.is_object() || parsed.empty()) return "";
  return parsed.begin()->is_string() ? parsed.begin()->get<std::string>() : "";
}

const PlanDeployment* findDeployment(const ReconcileSnapshot& s, const std::string& name) {
  for (const auto& d : s.deployments) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

}  // namespace

Reconciler::Reconciler(store::Database& db, DesiredState& desired, images::Registry& registry,
                       store::BlobStore& blobs, hypervisor::Hypervisor& hypervisor,
                       EventLog& events, const Clock& clock, Random& random, HealthMonitor* health,
                       ReconcilerOptions options)
    : db_(db),
      desired_(desired),
      registry_(registry),
      blobs_(blobs),
      hypervisor_(hypervisor),
      clock_(clock),
      random_(random),
      health_(health),
      options_(options),
      writes_(db, events) {}

Reconciler::~Reconciler() { stop(); }

void Reconciler::note(const std::string& type, const std::string& reason,
                      const std::string& deployment, const std::string& instance,
                      const std::string& message) {
  store::EventRecord event;
  event.type = type;
  event.reason = reason;
  event.objectKind = instance.empty() ? "Deployment" : "Instance";
  event.objectName = instance.empty() ? deployment : instance;
  event.deployment = deployment;
  event.instance = instance;
  event.message = message;
  writes_.event(std::move(event));
}

Result<void> Reconciler::commitWrites(const StoreWrite& now) {
  auto r = writes_.commit(now);
  if (!r)
    std::fprintf(stderr, "stele: reconciler writes not stored: %s\n", r.error().message.c_str());
  return r;
}

Result<void> Reconciler::recover() {
  store::InstanceRepository repo(db_);
  auto open = repo.openOperations();
  if (!open) return fail(open.error());
  for (const auto& op : *open) {
    if (auto r = repo.finishOperation(op.id, "interrupted by a server restart", clock_.nowMs());
        !r) {
      return r;
    }
    note("Normal", "Resuming", "", op.instanceId,
         op.action + " of " + op.instanceId + " on " + op.host +
             " was interrupted by a restart; the reconciler finishes or rolls it back");
  }
  return commitWrites();
}

Result<ReconcileSnapshot> Reconciler::snapshot() {
  ReconcileSnapshot s;
  s.nowMs = clock_.nowMs();
  auto deployments = desired_.deployments();
  if (!deployments) return fail(deployments.error());
  auto networks = desired_.networks();
  if (!networks) return fail(networks.error());
  for (const auto& n : *networks) s.networks[n.record.name] = n.network;
  std::map<std::string, images::Manifest> manifests;
  store::RevisionRepository revisionRepo(db_);
  auto revisions = revisionRepo.all();
  if (!revisions) return fail(revisions.error());
  auto pauses = revisionRepo.pauses();
  if (!pauses) return fail(pauses.error());
  for (auto& stored : *deployments) {
    PlanDeployment d;
    d.name = stored.record.name;
    d.revision = stored.record.revision;
    d.spec = std::move(stored.deployment);
    std::string version = stored.record.imageVersion.value_or(d.spec.image.version);
    d.spec.image.version = version;
    std::string key = d.spec.image.name + ":" + version;
    if (manifests.count(key) == 0) {
      auto v = registry_.getVersion(d.spec.image.name, version);
      if (v) manifests[key] = v->manifest;
    }
    auto m = manifests.find(key);
    d.vcpus = d.spec.vcpus.value_or(m != manifests.end() ? m->second.vcpus : 1);
    d.memoryMiB = d.spec.memoryMiB.value_or(m != manifests.end() ? m->second.memoryMiB : 64);
    d.paused = pauses->count(d.name) != 0;
    if (auto history = revisions->find(d.name); history != revisions->end()) {
      d.history = std::move(history->second);
      for (const auto& r : d.history) {
        if (r.revision == d.revision) d.rollout = r;
      }
    }
    s.deployments.push_back(std::move(d));
  }
  store::InstanceRepository instances(db_);
  auto records = instances.list();
  if (!records) return fail(records.error());
  s.instances = std::move(*records);
  auto provisioned = instances.provisionedIds();
  if (!provisioned) return fail(provisioned.error());
  s.provisionedIds = std::move(*provisioned);
  store::HostRepository hostRepo(db_);
  auto hosts = hostRepo.list();
  if (!hosts) return fail(hosts.error());
  for (const auto& h : *hosts) {
    PlanHost host;
    host.candidate.name = h.name;
    host.candidate.draining = h.draining;
    host.candidate.accel =
        h.accel == "qemu" ? hypervisor::Acceleration::Qemu : hypervisor::Acceleration::Kvm;
    host.candidate.labels = labelMap(h.labels);
    for (const auto& [name, network] : s.networks) {
      if (selects(network.hostSelector, host.candidate.labels))
        host.candidate.networks.insert(name);
    }
    auto status = hypervisor_.hostStatus(h.name);
    host.reachable = status && status->reachability == hypervisor::HostReachability::Reachable;
    host.unreachableSinceMs = status ? status->sinceUnix * 1000 : s.nowMs;
    if (host.reachable) {
      auto listed = hypervisor_.listInstances(h.name);
      auto resources = hypervisor_.hostResources(h.name);
      if (!listed || !resources) {
        host.reachable = false;
      } else {
        for (auto& info : *listed) host.domains[info.metadata.instanceId] = std::move(info);
        host.candidate.cpus = resources->cpus;
        host.candidate.memoryMiB = resources->memoryMiB;
        host.candidate.allocatedVcpus = resources->allocatedVcpus;
        host.candidate.allocatedMemoryMiB = resources->allocatedMemoryMiB;
      }
    }
    host.candidate.up = host.reachable;
    host.probeNetns = h.probeNetns;
    s.hosts[h.name] = std::move(host);
  }
  for (const auto& r : s.instances) {
    auto host = s.hosts.find(r.host);
    if (host != s.hosts.end() && state::occupiesSlot(r.state)) {
      host->second.candidate.instancesOf[r.deployment] += 1;
    }
  }
  if (health_ != nullptr) {
    std::vector<HealthTarget> targets;
    for (const auto& r : s.instances) {
      if (r.state != state::kStarting && r.state != state::kAvailable) continue;
      const PlanDeployment* d = findDeployment(s, r.deployment);
      if (d == nullptr || !d->spec.healthCheck) continue;
      const health::HealthCheckSpec& check = *d->spec.healthCheck;
      std::string address = check.targetAddress.value_or(firstAddress(r));
      auto host = s.hosts.find(r.host);
      std::string netns = check.vantageNetns      ? *check.vantageNetns
                          : host != s.hosts.end() ? host->second.probeNetns
                                                  : "";
      targets.push_back({r.id, r.host, check, address, netns, r.createdAtMs});
    }
    s.health = health_->reports(targets, s.nowMs);
    for (const auto& r : s.instances) {
      auto report = s.health.find(r.id);
      if (report == s.health.end()) continue;
      std::string json = nlohmann::json{{"passed", report->second.passed},
                                        {"failed", report->second.failed},
                                        {"detail", report->second.detail}}
                             .dump();
      if (json != r.lastProbe) {
        writes_.later([id = r.id, json](store::Database& tx) {
          (void)store::InstanceRepository(tx).setLastProbe(id, json);
          return Result<void>{};
        });
      }
    }
  }
  return s;
}

Result<ReconcilePlan> Reconciler::preview(const std::vector<PlanDeployment>& overlay,
                                          const std::vector<NetworkResource>& networks) {
  std::lock_guard pass(passMutex_);
  auto s = snapshot();
  if (!s) return fail(s.error());
  for (auto& [name, host] : s->hosts) {
    for (const auto& n : networks) {
      if (selects(n.hostSelector, host.candidate.labels))
        host.candidate.networks.insert(n.meta.name);
    }
  }
  for (const auto& d : overlay) {
    bool replaced = false;
    for (auto& existing : s->deployments) {
      if (existing.name == d.name) {
        existing = d;
        replaced = true;
      }
    }
    if (!replaced) s->deployments.push_back(d);
  }
  (void)commitWrites();
  SeededRandom random(1);  // a preview must not consume the real random sequence
  return planReconcile(*s, options_.settings, random);
}

Result<PassResult> Reconciler::runOnce() {
  std::lock_guard pass(passMutex_);
  auto started = std::chrono::steady_clock::now();
  auto s = snapshot();
  if (!s) return fail(s.error());
  auto plan = planReconcile(*s, options_.settings, random_);
  PassResult result;
  result.wakeAtMs = plan.wakeAtMs;
  const std::vector<Step>& steps = plan.steps;
  const std::size_t batchSize = std::max<std::size_t>(1, options_.intentBatch);
  for (std::size_t begin = 0; begin < steps.size(); begin += batchSize) {
    const std::size_t end = std::min(steps.size(), begin + batchSize);
    std::vector<Pending> batch;
    for (std::size_t i = begin; i < end; ++i) {
      if (hasSideEffect(steps[i])) batch.push_back(Pending{&steps[i], {}, 0, false, {}});
    }
    recordIntents(batch, *s);
    auto pending = batch.begin();
    for (std::size_t i = begin; i < end; ++i) {
      const Step& step = steps[i];
      Result<void> r;
      if (!hasSideEffect(step)) {
        r = execute(step);
      } else if (Pending& p = *pending++; p.refused) {
        r = fail(*p.refused);
      } else {
        r = step.kind == Step::Kind::Provision ? provision(p, *s) : destroy(p);
      }
      if (r) {
        ++result.stepsDone;
        if (step.failure) countFailure(step, *s);
      } else {
        ++result.stepsFailed;
        note("Warning", "StepFailed", step.deployment, step.instanceId, publicMessage(r.error()));
      }
    }
  }
  for (const RolloutChange& change : plan.rollouts) {
    if (applyRolloutChange(change)) ++result.stepsDone;
  }
  std::map<std::string, DeploymentCondition> conditions;
  for (const auto& c : plan.conditions) conditions[c.deployment] = c;
  for (const auto& [name, c] : conditions) {
    std::string key = c.reason + ": " + c.message.substr(0, c.message.find("; next try"));
    if (lastConditionNoted_[name] != key) {
      lastConditionNoted_[name] = key;
      note("Warning", c.reason, name, "", c.message);
    }
  }
  for (auto it = lastConditionNoted_.begin(); it != lastConditionNoted_.end();) {
    it = conditions.count(it->first) ? std::next(it) : lastConditionNoted_.erase(it);
  }
  if (auto r = commitWrites(); !r) return fail(r.error());
  result.durationUs = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count();
  std::lock_guard lock(mutex_);
  conditions_ = std::move(conditions);
  stats_.passes += 1;
  stats_.lastPassUs = static_cast<std::uint64_t>(result.durationUs);
  stats_.totalPassUs += static_cast<std::uint64_t>(result.durationUs);
  return result;
}

void Reconciler::countFailure(const Step& step, const ReconcileSnapshot& snapshot) {
  const PlanDeployment* d = findDeployment(snapshot, step.deployment);
  if (d == nullptr || !d->rollout || d->rollout->outcome != store::outcome::kProgressing) return;
  for (const auto& r : snapshot.instances) {
    if (r.id != step.instanceId || !d->wants(r)) continue;
    writes_.later([name = d->name, revision = d->revision](store::Database& tx) {
      return store::RevisionRepository(tx).addFailure(name, revision);
    });
  }
}

bool Reconciler::applyRolloutChange(const RolloutChange& change) {
  const std::int64_t now = clock_.nowMs();
  const std::string& name = change.deployment;
  const std::int64_t revision = change.revision;
  switch (change.kind) {
    case RolloutChange::Kind::Progress:
      writes_.later([name, revision, best = change.best, now](store::Database& tx) {
        return store::RevisionRepository(tx).setProgress(name, revision, best, now);
      });
      return false;
    case RolloutChange::Kind::Complete:
      writes_.later([name, revision, reason = change.reason, now](store::Database& tx) {
        return store::RevisionRepository(tx).setOutcome(name, revision, store::outcome::kComplete,
                                                        reason, now);
      });
      note("Normal", "RolloutComplete", name, "", "rollout complete: " + change.reason);
      return false;
    case RolloutChange::Kind::Promote:
      writes_.later([name, revision, now](store::Database& tx) {
        return store::RevisionRepository(tx).setPromoted(name, revision, now);
      });
      note("Normal", "Promoted", name, "", "canary promoted: " + change.reason);
      return false;
    case RolloutChange::Kind::Fail:
      break;
  }
  // A failure changes the desired state (a rollback, which marks the revision Failed in the
  // same transaction) or pauses the deployment: stored now, not held.
  note("Warning", "RolloutFailed", name, "",
       "rollout of revision " + std::to_string(revision) + " failed: " + change.reason);
  std::string pauseReason = "rollout failed: " + change.reason;
  if (change.rollbackTo > 0) {
    auto r = desired_.rollBack(name, change.rollbackTo, revision, change.reason, "stele");
    if (r) return true;
    note("Warning", "RollbackFailed", name, "", publicMessage(r.error()));
    pauseReason = "rollback to revision " + std::to_string(change.rollbackTo) +
                  " failed: " + publicMessage(r.error());
  }
  auto paused = commitWrites([&](store::Database& tx) -> Result<void> {
    store::RevisionRepository revisions(tx);
    if (auto r = revisions.setOutcome(name, revision, store::outcome::kFailed, change.reason, now);
        !r) {
      return r;
    }
    return revisions.pause(name, {pauseReason, now, true});
  });
  return paused.has_value();
}

bool Reconciler::hasSideEffect(const Step& step) {
  return step.kind == Step::Kind::Provision || step.kind == Step::Kind::Destroy;
}

void Reconciler::recordIntents(std::vector<Pending>& batch, const ReconcileSnapshot& snapshot) {
  std::vector<StoreWrite> intents(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const Step& step = *batch[i].step;
    if (step.kind == Step::Kind::Destroy) {
      intents[i] = destroyIntent(batch[i]);
    } else if (const PlanDeployment* d = findDeployment(snapshot, step.deployment)) {
      intents[i] = provisionIntent(batch[i], *d);
    }
  }
  auto all = [&](store::Database& tx) -> Result<void> {
    for (const auto& intent : intents) {
      if (!intent) continue;
      if (auto r = intent(tx); !r) return r;
    }
    return {};
  };
  bool together = static_cast<bool>(commitWrites(all));
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (!intents[i]) continue;
    auto r = together ? Result<void>{} : commitWrites(intents[i]);
    batch[i].recorded = r.has_value();
    if (!r) batch[i].refused = r.error();
  }
}

Result<void> Reconciler::execute(const Step& step) {
  if (step.kind == Step::Kind::SetState) return setState(step);
  if (step.kind == Step::Kind::Forget) {
    writes_.later([id = step.instanceId](store::Database& tx) {
      return store::InstanceRepository(tx).remove(id);
    });
  }
  return {};
}

StoreWrite Reconciler::provisionIntent(Pending& pending, const PlanDeployment& d) {
  const Step& step = *pending.step;
  std::int64_t now = clock_.nowMs();
  store::InstanceRecord& record = pending.record;
  record.id = d.name + "-" + random_.hexBytes(3);
  record.deployment = d.name;
  record.ordinal = step.ordinal;
  record.revision = d.revision;
  record.host = step.host;
  record.imageVersion = d.spec.image.version;
  record.addresses = nlohmann::json(instanceAddresses(d.spec, step.ordinal)).dump();
  record.state = std::string(state::kProvisioning);
  record.stateSinceMs = now;
  record.reason = step.reason;
  record.restarts = step.restarts;
  record.createdAtMs = now;
  return [&pending, now](store::Database& tx) -> Result<void> {
    store::InstanceRepository repo(tx);
    const store::InstanceRecord& record = pending.record;
    // The history of the slot's earlier instance goes with it.
    if (auto r = repo.removeInState(record.deployment, record.ordinal, std::string(state::kGone));
        !r) {
      return r;
    }
    if (auto r = repo.insert(record); !r) return r;
    auto op = repo.beginOperation("provision", record.id, pending.step->host, now);
    if (!op) return fail(op.error());
    pending.operation = *op;
    return {};
  };
}

Result<void> Reconciler::provision(Pending& pending, const ReconcileSnapshot& snapshot) {
  const Step& step = *pending.step;
  const PlanDeployment* d = findDeployment(snapshot, step.deployment);
  if (!pending.recorded || d == nullptr) return {};  // its deployment is gone
  const store::InstanceRecord& record = pending.record;
  const std::int64_t operation = pending.operation;
  crashpoint("provision-intent");
  auto failed = [&](const std::string& reason, const std::string& eventReason) -> Result<void> {
    writes_.later([operation, id = record.id, restarts = record.restarts, reason,
                   at = clock_.nowMs()](store::Database& tx) {
      store::InstanceRepository repo(tx);
      (void)repo.finishOperation(operation, "error: " + reason, at);
      (void)repo.setRestarts(id, restarts + 1);
      (void)repo.setState(id, std::string(state::kGone), reason, at);
      return Result<void>{};
    });
    {
      std::lock_guard lock(mutex_);
      stats_.provisionFailures += 1;
    }
    note("Warning", eventReason, d->name, record.id, record.id + ": " + reason);
    return {};
  };
  // Verify at deploy: today's trust store, the blobs' files; their bytes are hashed as they are
  // copied for the instance (a mismatch there is refused too).
  auto image = desired_.resolveImage(ImageRequest{d->spec.image.name, d->spec.image.version, ""},
                                     images::BlobProof::FileOnly);
  if (!image)
    return failed("deploy gate refused " + d->spec.image.text() + ": " + image.error().message,
                  "ProvisionRefused");
  const std::map<std::string, NetworkResource>& networks = snapshot.networks;
  std::vector<std::string> libvirtNetworks;
  for (const auto& nic : d->spec.interfaces) {
    auto net = networks.find(nic.network);
    if (net == networks.end())
      return failed("network " + nic.network + " is gone", "ProvisionFailed");
    hypervisor::NetworkSpec spec{libvirtNetworkName(nic.network), bridgeName(nic.network),
                                 std::nullopt};
    if (net->second.hostAddress) {
      spec.hostAddress =
          hypervisor::HostAddress{formatIpv4(*net->second.hostAddress), net->second.cidr.length};
    }
    if (auto r = hypervisor_.ensureNetwork(step.host, spec); !r) {
      return failed("network " + nic.network + " on " + step.host + ": " + publicMessage(r.error()),
                    "ProvisionFailed");
    }
    libvirtNetworks.push_back(spec.name);
  }
  const images::Manifest& manifest = image->manifest;
  hypervisor::DomainSpec spec;
  spec.instanceId = record.id;
  spec.name = "stele-" + record.id;
  spec.deployment = d->name;
  spec.revision = "r" + std::to_string(d->revision);
  spec.imageDigest = image->manifestDigest;
  if (const auto* kernel = manifest.blob("kernel")) {
    spec.kernelPath = blobs_.blobPath(kernel->digest);
    spec.kernelDigest = kernel->digest;
  }
  if (const auto* initrd = manifest.blob("initrd")) {
    spec.initrdPath = blobs_.blobPath(initrd->digest);
    spec.initrdDigest = initrd->digest;
  }
  spec.cmdline = d->spec.cmdline.value_or(manifest.cmdline);
  spec.memoryMiB = d->memoryMiB;
  spec.vcpus = d->vcpus;
  spec.networks = libvirtNetworks;
  spec.config =
      renderInstanceConfig(d->spec, networks, manifest, {record.id, image->version, step.ordinal});
  auto made = hypervisor_.provision(step.host, spec);
  if (!made && made.error().code == "blob_corrupt") {
    return failed(
        "deploy gate refused " + d->spec.image.text() + ": " + publicMessage(made.error()),
        "ProvisionRefused");
  }
  if (!made)
    return failed("provision on " + step.host + ": " + publicMessage(made.error()),
                  "ProvisionFailed");
  crashpoint("provision-done");
  writes_.later([operation, id = record.id, digest = image->manifestDigest,
                 signers = store::joinPatterns(image->signerKeys),
                 at = clock_.nowMs()](store::Database& tx) -> Result<void> {
    store::InstanceRepository r(tx);
    auto set = tx.execute("UPDATE instances SET image_digest = ?, signer_keys = ? WHERE id = ?",
                          {digest, signers, id});
    if (!set) return fail(set.error());
    if (auto s = r.setState(id, std::string(state::kStarting), "domain started", at); !s) {
      return s;
    }
    return r.finishOperation(operation, "ok", at);
  });
  {
    std::lock_guard lock(mutex_);
    stats_.provisions += 1;
  }
  note("Normal", "Provisioned", d->name, record.id,
       record.id + " started on " + step.host + " (" + d->spec.image.text() + "): " + step.reason);
  return {};
}

StoreWrite Reconciler::destroyIntent(Pending& pending) {
  return [&pending, at = clock_.nowMs()](store::Database& tx) -> Result<void> {
    const Step& step = *pending.step;
    store::InstanceRepository r(tx);
    if (!step.stray) {
      if (auto s = r.setState(step.instanceId, std::string(state::kDestroying), step.reason, at);
          !s) {
        return s;
      }
    }
    auto op = r.beginOperation("destroy", step.instanceId, step.host, at);
    if (!op) return fail(op.error());
    pending.operation = *op;
    return {};
  };
}

Result<void> Reconciler::destroy(Pending& pending) {
  const Step& step = *pending.step;
  const std::int64_t operation = pending.operation;
  crashpoint("destroy-intent");
  auto gone = hypervisor_.destroy(step.host, step.instanceId);
  if (!gone && gone.error().kind != ErrorKind::NotFound) {
    writes_.later([operation, outcome = "error: " + publicMessage(gone.error()),
                   at = clock_.nowMs()](store::Database& tx) {
      return store::InstanceRepository(tx).finishOperation(operation, outcome, at);
    });
    return fail(gone.error());
  }
  crashpoint("destroy-done");
  writes_.later([operation, step, at = clock_.nowMs()](store::Database& tx) -> Result<void> {
    store::InstanceRepository r(tx);
    if (!step.stray) {
      if (step.state.empty()) {
        if (auto s = r.remove(step.instanceId); !s) return s;
      } else {
        if (auto s = r.setRestarts(step.instanceId, step.restarts); !s) return s;
        if (auto s = r.setState(step.instanceId, step.state, step.reason, at); !s) return s;
      }
    }
    return r.finishOperation(operation, "ok", at);
  });
  {
    std::lock_guard lock(mutex_);
    stats_.destroys += 1;
  }
  std::string reason = step.stray     ? "StrayDestroyed"
                       : step.fence   ? "Fenced"
                       : step.failure ? "Replacing"
                                      : "Destroyed";
  note(step.failure || step.stray || step.fence ? "Warning" : "Normal", reason, step.deployment,
       step.instanceId, step.instanceId + " destroyed on " + step.host + ": " + step.reason);
  return {};
}

Result<void> Reconciler::setState(const Step& step) {
  writes_.later([step, at = clock_.nowMs()](store::Database& tx) -> Result<void> {
    store::InstanceRepository repo(tx);
    if (step.state == state::kGone) {
      if (auto r = repo.setRestarts(step.instanceId, step.restarts); !r) return r;
    }
    return repo.setState(step.instanceId, step.state, step.reason, at);
  });
  std::string reason = step.state == state::kLost        ? "HostLost"
                       : step.state == state::kGone      ? "InstanceFailed"
                       : step.state == state::kAvailable ? "Available"
                                                         : "Adopted";
  bool warning = step.state == state::kLost || step.state == state::kGone;
  note(warning ? "Warning" : "Normal", reason, step.deployment, step.instanceId,
       step.instanceId + " is " + step.state + ": " + step.reason);
  return {};
}

void Reconciler::start() {
  auto subscribed = hypervisor_.subscribe([this](const hypervisor::Event&) { wake(); });
  if (subscribed) subscription_ = *subscribed;
  thread_ = std::thread([this] { loop(); });
}

void Reconciler::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wakeUp_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (subscription_) {
    (void)hypervisor_.unsubscribe(*subscription_);
    subscription_.reset();
  }
}

void Reconciler::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wakeUp_.notify_all();
}

void Reconciler::loop() {
  for (;;) {
    auto pass = runOnce();
    if (!pass)
      std::fprintf(stderr, "stele: reconcile pass failed: %s\n", pass.error().message.c_str());
    std::int64_t waitMs = options_.backstopMs;
    if (pass && pass->stepsDone > 0) waitMs = 0;
    if (pass && pass->wakeAtMs) {
      waitMs = std::min(waitMs, std::max<std::int64_t>(0, *pass->wakeAtMs - clock_.nowMs()));
    }
    std::unique_lock lock(mutex_);
    wakeUp_.wait_for(lock, std::chrono::milliseconds(waitMs),
                     [this] { return woken_ || stopping_; });
    if (stopping_) return;
    woken_ = false;
  }
}

ReconcilerStats Reconciler::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

std::map<std::string, DeploymentCondition> Reconciler::conditions() const {
  std::lock_guard lock(mutex_);
  return conditions_;
}

}  // namespace stele::scheduler
