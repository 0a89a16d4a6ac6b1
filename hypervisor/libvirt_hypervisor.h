// The Hypervisor on libvirt: one connection per host URI, supervised on its own thread
// (connect off request threads, keepalive, reconnect with backoff, lifecycle and close events,
// a periodic listing backstop). libvirt.h stays in the .cc files.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "common/clock.h"
#include "hypervisor/hypervisor.h"

namespace stele::hypervisor {

class EventDispatcher;
class HostConnection;

struct LibvirtHypervisorOptions {
  std::chrono::milliseconds backstopInterval{
      10'000};  // periodic listing that catches missed events
  std::chrono::milliseconds reconnectInitialDelay{250};
  std::chrono::milliseconds reconnectMaxDelay{30'000};
  int keepAliveIntervalSeconds = 5;  // virConnectSetKeepAlive: probe every N seconds,
  unsigned keepAliveCount = 3;       // give up after this many unanswered probes
  // Receives libvirt's full text of a failed connect (it can quote server files, so it is
  // never in HostStatus::lastError). Empty: written to stderr, the server log.
  std::function<void(const std::string&)> log = nullptr;
  // Absolute path, on every libvirt host, of the BIOS ROM guests boot with (the domain's
  // <loader type='rom'>, QEMU -bios); empty = libvirt's default (SeaBIOS). qboot
  // (/usr/share/qemu/qboot.rom) reaches the kernel ~50-100 ms sooner under TCG.
  std::string guestFirmware = {};
};

class LibvirtHypervisor final : public Hypervisor {
 public:
  // `clock` must outlive the hypervisor.
  explicit LibvirtHypervisor(const Clock& clock, LibvirtHypervisorOptions options = {});
  ~LibvirtHypervisor() override;
  LibvirtHypervisor(const LibvirtHypervisor&) = delete;
  LibvirtHypervisor& operator=(const LibvirtHypervisor&) = delete;

  Result<void> connectHost(const HostConfig& host) override;
  Result<void> disconnectHost(const HostId& host) override;
  Result<void> awaitReachable(const HostId& host, std::chrono::milliseconds timeout) override;
  Result<HostStatus> hostStatus(const HostId& host) const override;
  Result<std::vector<HostStatus>> hosts() const override;
  Result<HostResources> hostResources(const HostId& host) override;

  Result<InstanceInfo> provision(const HostId& host, const DomainSpec& spec) override;
  Result<void> destroy(const HostId& host, const InstanceId& instance) override;
  Result<std::vector<InstanceInfo>> listInstances(const HostId& host) override;
  Result<DomainState> instanceState(const HostId& host, const InstanceId& instance) override;
  Result<std::string> consoleLogTail(const HostId& host, const InstanceId& instance,
                                     std::size_t maxBytes) override;

  Result<void> ensureNetwork(const HostId& host, const NetworkSpec& spec) override;
  Result<void> removeNetwork(const HostId& host, const std::string& name) override;

  Result<SubscriptionId> subscribe(EventHandler handler) override;
  Result<void> unsubscribe(SubscriptionId id) override;

 private:
  Result<std::shared_ptr<HostConnection>> findHost(const HostId& host) const;

  const Clock& clock_;
  LibvirtHypervisorOptions options_;
  std::unique_ptr<EventDispatcher> dispatcher_;  // outlives the hosts that post to it
  mutable std::mutex mutex_;
  std::map<HostId, std::shared_ptr<HostConnection>> hosts_;
};

}  // namespace stele::hypervisor
