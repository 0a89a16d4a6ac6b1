#include "hypervisor/libvirt_connection.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <cstdio>
#include <deque>
#include <vector>

#include "hypervisor/libvirt_domains.h"
#include "hypervisor/libvirt_error.h"
#include "hypervisor/libvirt_event_loop.h"
#include "hypervisor/lifecycle_event_mapping.h"
#include "hypervisor/reconnect_backoff.h"

namespace stele::hypervisor {

struct PendingLifecycle {
  std::uint64_t generation;
  std::string domainName;
  int event;
  int detail;
};

struct CallbackContext {
  std::shared_ptr<ConnectionSignals> signals;
  std::uint64_t generation;
};

// Shared between the supervisor and libvirt's event-loop thread.
struct ConnectionSignals {
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<PendingLifecycle> lifecycle;
  std::optional<std::pair<std::uint64_t, int>> closed;  // generation, virConnectCloseReason
  bool stopping = false;
};

namespace {

int onLifecycle(virConnectPtr /*connection*/, virDomainPtr domain, int event, int detail,
                void* opaque) {
  auto* context = static_cast<CallbackContext*>(opaque);
  const char* name = virDomainGetName(domain);
  {
    std::lock_guard lock(context->signals->mutex);
    context->signals->lifecycle.push_back({context->generation, name ? name : "", event, detail});
  }
  context->signals->wake.notify_all();
  return 0;
}

void onClose(virConnectPtr /*connection*/, int reason, void* opaque) {
  auto* context = static_cast<CallbackContext*>(opaque);
  {
    std::lock_guard lock(context->signals->mutex);
    context->signals->closed = std::make_pair(context->generation, reason);
  }
  context->signals->wake.notify_all();
}

void freeLifecycleContext(void* opaque) { delete static_cast<CallbackContext*>(opaque); }

std::string closeReasonText(int reason) {
  switch (reason) {
    case VIR_CONNECT_CLOSE_REASON_ERROR:
      return "connection closed: I/O error";
    case VIR_CONNECT_CLOSE_REASON_EOF:
      return "connection closed: end of file";
    case VIR_CONNECT_CLOSE_REASON_KEEPALIVE:
      return "connection closed: keepalive timeout";
    case VIR_CONNECT_CLOSE_REASON_CLIENT:
      return "connection closed by client";
    default:
      return "connection closed";
  }
}

Observation observationOf(const std::vector<InstanceInfo>& instances) {
  Observation observation;
  for (const auto& instance : instances) {
    observation[instance.metadata.instanceId] = {instance.domainName, instance.state};
  }
  return observation;
}

}  // namespace

HostConnection::HostConnection(HostConfig config, const Clock& clock,
                               LibvirtHypervisorOptions options, Emit emit)
    : config_(std::move(config)),
      clock_(clock),
      options_(std::move(options)),
      emit_(std::move(emit)),
      signals_(std::make_shared<ConnectionSignals>()) {
  status_.id = config_.id;
  status_.uri = config_.uri;
  status_.reachability = HostReachability::Connecting;
  status_.sinceUnix = clock_.nowUnix();
  supervisor_ = std::thread([this] { supervise(); });
}

HostConnection::~HostConnection() {
  {
    std::lock_guard lock(signals_->mutex);
    signals_->stopping = true;
  }
  signals_->wake.notify_all();
  supervisor_.join();
}

HostStatus HostConnection::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

Result<ConnectionHandle> HostConnection::connection() const {
  std::lock_guard lock(mutex_);
  if (!connection_) {
    std::string message = "host " + config_.id + " is not reachable";
    if (!status_.lastError.empty()) message += ": " + status_.lastError;
    return fail(ErrorKind::Unavailable, "host_unreachable", std::move(message));
  }
  return connection_;
}

Result<void> HostConnection::awaitReachable(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  // Both halves: the connection is published before the status says Reachable, and a caller
  // that reads status() right after this returns must see Reachable.
  auto reachable = [this] {
    return connection_ != nullptr && status_.reachability == HostReachability::Reachable;
  };
  if (!reachabilityChanged_.wait_for(lock, timeout, reachable)) {
    return fail(ErrorKind::Unavailable, "host_unreachable",
                "host " + config_.id + " not reachable after " + std::to_string(timeout.count()) +
                    " ms" + (status_.lastError.empty() ? "" : ": " + status_.lastError));
  }
  return {};
}

void HostConnection::noteInstance(const InstanceId& instance, const std::string& domainName,
                                  DomainState state) {
  std::lock_guard lock(mutex_);
  observation_[instance] = {domainName, state};
  instanceByDomainName_[domainName] = instance;
}

void HostConnection::forgetInstance(const InstanceId& instance) {
  std::lock_guard lock(mutex_);
  observation_.erase(instance);
}

std::optional<std::string> HostConnection::domainNameOf(const InstanceId& instance) const {
  std::lock_guard lock(mutex_);
  if (auto it = observation_.find(instance); it != observation_.end()) return it->second.domainName;
  for (const auto& [name, id] : instanceByDomainName_) {
    if (id == instance) return name;
  }
  return std::nullopt;
}

void HostConnection::emit(EventKind kind, const InstanceId& instance, const std::string& domainName,
                          bool fromBackstop, std::string detail) {
  emit_(Event{kind, config_.id, instance, domainName, clock_.nowUnix(), fromBackstop,
              std::move(detail)});
}

void HostConnection::setReachability(HostReachability reachability, std::string error) {
  std::lock_guard lock(mutex_);
  if (status_.reachability != reachability) {
    status_.reachability = reachability;
    status_.sinceUnix = clock_.nowUnix();
  }
  status_.lastError = std::move(error);
  reachabilityChanged_.notify_all();
}

void HostConnection::markConnectFailed(const std::string& summary, const std::string& detail) {
  std::string line = "host " + config_.id + ": " + detail;
  if (line != lastLoggedFailure_) {
    if (options_.log) {
      options_.log(line);
    } else {
      std::fprintf(stderr, "stele: %s\n", line.c_str());
    }
    lastLoggedFailure_ = line;
  }
  setReachability(HostReachability::Unreachable, summary);
}

void HostConnection::supervise() {
  using SteadyClock = std::chrono::steady_clock;
  unsigned attempt = 0;
  auto nextBackstop = SteadyClock::now() + options_.backstopInterval;
  while (true) {
    bool connected;
    {
      std::lock_guard lock(mutex_);
      connected = connection_ != nullptr;
    }
    if (!connected) {
      if (connectOnce()) {
        attempt = 0;
        nextBackstop = SteadyClock::now() + options_.backstopInterval;
      } else {
        auto delay =
            reconnectDelay(attempt++, options_.reconnectInitialDelay, options_.reconnectMaxDelay);
        std::unique_lock lock(signals_->mutex);
        if (signals_->wake.wait_for(lock, delay, [this] { return signals_->stopping; })) break;
        continue;
      }
    }

    std::optional<std::pair<std::uint64_t, int>> closed;
    {
      std::unique_lock lock(signals_->mutex);
      signals_->wake.wait_until(lock, nextBackstop, [this] {
        return signals_->stopping || signals_->closed || !signals_->lifecycle.empty();
      });
      if (signals_->stopping) break;
      closed = std::exchange(signals_->closed, std::nullopt);
    }
    handleLifecycleEvents();
    std::uint64_t generation;
    {
      std::lock_guard lock(mutex_);
      generation = generation_;
    }
    if (closed && closed->first == generation) {
      handleConnectionLost(closeReasonText(closed->second));
      continue;
    }
    if (SteadyClock::now() >= nextBackstop) {
      runBackstop();
      nextBackstop = SteadyClock::now() + options_.backstopInterval;
    }
  }
  teardownConnection();
}

bool HostConnection::connectOnce() {
  ensureLibvirtEventLoop();
  virConnectPtr raw = virConnectOpen(config_.uri.c_str());
  if (raw == nullptr) {
    auto failure = takeLibvirtFailure("connection failed");
    markConnectFailed(failure.summary, failure.detail + " (connecting to " + config_.uri + ")");
    return false;
  }
  ConnectionHandle connection = adoptConnection(raw);
  // 1 = the driver does not do keepalive (local drivers); failures are not fatal either.
  if (virConnectSetKeepAlive(raw, options_.keepAliveIntervalSeconds, options_.keepAliveCount) < 0) {
    virResetLastError();
  }

  std::uint64_t generation;
  {
    std::lock_guard lock(mutex_);
    generation = ++generation_;
  }
  auto closeContext = std::make_unique<CallbackContext>(CallbackContext{signals_, generation});
  if (virConnectRegisterCloseCallback(raw, onClose, closeContext.get(), nullptr) < 0) {
    auto failure = takeLibvirtFailure("registering the close callback failed");
    markConnectFailed(failure.summary, failure.detail);
    return false;
  }
  closeContexts_.push_back(std::move(closeContext));  // supervisor thread only
  auto* lifecycleContext = new CallbackContext{signals_, generation};
  int callbackId = virConnectDomainEventRegisterAny(raw, nullptr, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                                    VIR_DOMAIN_EVENT_CALLBACK(onLifecycle),
                                                    lifecycleContext, freeLifecycleContext);
  if (callbackId < 0) {
    delete lifecycleContext;
    auto failure = takeLibvirtFailure("registering lifecycle events failed");
    virConnectUnregisterCloseCallback(raw, onClose);
    virResetLastError();
    markConnectFailed(failure.summary, failure.detail);
    return false;
  }

  auto listing = listSteleDomains(raw);
  if (!listing) {
    virConnectDomainEventDeregisterAny(raw, callbackId);
    virConnectUnregisterCloseCallback(raw, onClose);
    virResetLastError();
    markConnectFailed("listing domains failed (" + listing.error().code + ")",
                      listing.error().detail);
    return false;
  }

  Observation found = observationOf(*listing);
  Observation before;
  bool reconnect;
  {
    std::lock_guard lock(mutex_);
    connection_ = connection;
    lifecycleCallbackId_ = callbackId;
    reconnect = everConnected_;
    everConnected_ = true;
    before = std::exchange(observation_, found);
    for (const auto& [id, observed] : found) instanceByDomainName_[observed.domainName] = id;
  }
  setReachability(HostReachability::Reachable, "");
  lastLoggedFailure_.clear();
  emit(reconnect ? EventKind::HostReconnected : EventKind::HostConnected, "", "");
  for (const auto& [id, observed] : found)
    emit(EventKind::InstanceAdopted, id, observed.domainName);
  for (const auto& [id, observed] : before) {
    if (!found.contains(id))
      emit(EventKind::DomainStopped, id, observed.domainName, true, "gone while unreachable");
  }
  return true;
}

void HostConnection::handleLifecycleEvents() {
  std::deque<PendingLifecycle> pending;
  {
    std::lock_guard lock(signals_->mutex);
    pending.swap(signals_->lifecycle);
  }
  for (const auto& item : pending) {
    auto kind = classifyLifecycleEvent(item.event, item.detail);
    if (!kind) continue;
    InstanceId instance;
    ConnectionHandle connection;
    {
      std::lock_guard lock(mutex_);
      if (item.generation != generation_) continue;
      if (auto it = instanceByDomainName_.find(item.domainName);
          it != instanceByDomainName_.end()) {
        instance = it->second;
      }
      connection = connection_;
    }
    if (instance.empty() && connection) {
      // A domain we have not seen yet: ask it for Stele metadata.
      DomainHandle domain(virDomainLookupByName(connection.get(), item.domainName.c_str()));
      if (!domain) {
        virResetLastError();
        continue;
      }
      auto metadata = steleMetadataOf(domain.get());
      if (!metadata) continue;
      instance = metadata->instanceId;
      std::lock_guard lock(mutex_);
      instanceByDomainName_[item.domainName] = instance;
    }
    if (instance.empty()) continue;
    const DomainState state = stateAfter(*kind);
    {
      std::lock_guard lock(mutex_);
      auto it = observation_.find(instance);
      if (it != observation_.end()) {
        if (it->second.state == state && *kind != EventKind::DomainCrashed)
          continue;  // backstop saw it first
        it->second.state = state;
      } else if (*kind == EventKind::DomainStarted) {
        observation_[instance] = {item.domainName, state};
      }
    }
    emit(*kind, instance, item.domainName);
  }
}

void HostConnection::handleConnectionLost(const std::string& reason) {
  teardownConnection();
  Observation lost;
  {
    std::lock_guard lock(mutex_);
    lost = observation_;
  }
  setReachability(HostReachability::Unreachable, reason);
  emit(EventKind::HostDisconnected, "", "", false, reason);
  for (const auto& [id, observed] : lost)
    emit(EventKind::InstanceLost, id, observed.domainName, false, reason);
}

void HostConnection::runBackstop() {
  ConnectionHandle connection;
  {
    std::lock_guard lock(mutex_);
    connection = connection_;
  }
  if (!connection) return;
  auto listing = listSteleDomains(connection.get());
  if (!listing) {
    if (virConnectIsAlive(connection.get()) != 1) {
      virResetLastError();
      handleConnectionLost("connection dead (found by the periodic listing)");
    }
    return;
  }
  Observation now = observationOf(*listing);
  std::vector<ObservedChange> changes;
  {
    std::lock_guard lock(mutex_);
    changes = compareObservations(observation_, now);
    observation_ = now;
    for (const auto& [id, observed] : now) instanceByDomainName_[observed.domainName] = id;
  }
  for (const auto& change : changes) emit(change.kind, change.instanceId, change.domainName, true);
}

void HostConnection::teardownConnection() {
  ConnectionHandle connection;
  int callbackId;
  {
    std::lock_guard lock(mutex_);
    connection = std::exchange(connection_, nullptr);
    callbackId = std::exchange(lifecycleCallbackId_, -1);
  }
  if (!connection) return;
  if (callbackId >= 0) virConnectDomainEventDeregisterAny(connection.get(), callbackId);
  virConnectUnregisterCloseCallback(connection.get(), onClose);
  virResetLastError();
}

}  // namespace stele::hypervisor
