// A libvirt "host" of its own for e2e tests: a fresh network namespace (`ip netns add`), and
// virtlogd + libvirtd started inside it, each in a private mount namespace where
// /run/libvirt, /var/lib/libvirt, /var/cache/libvirt, /var/log/libvirt and /etc/libvirt are
// bind-mounted from a scratch directory. So the daemon has its own socket
// (<root>/run/libvirt-sock, reached as qemu+unix:///system?socket=...), its own config
// (QEMU as root, no cgroups, no default/NAT network), and every bridge, tap and VM address
// lives inside the namespace. /dev/kvm is masked with a read-only empty file (KVM hangs on this
// machine), so QEMU runs under TCG. Several can run side by side (the host-loss test runs two).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "common/error.h"

namespace stele::hypervisor::e2e {

class PrivateLibvirtd {
 public:
  // FAILS (no skip) with a clear message when a prerequisite is missing.
  static Result<std::unique_ptr<PrivateLibvirtd>> start(const std::string& label);
  ~PrivateLibvirtd();  // kills QEMUs and daemons, deletes the namespace and the scratch dir
  PrivateLibvirtd(const PrivateLibvirtd&) = delete;
  PrivateLibvirtd& operator=(const PrivateLibvirtd&) = delete;

  std::string uri() const { return "qemu+unix:///system?socket=" + root_ + "/run/libvirt-sock"; }
  const std::string& netns() const { return netns_; }
  const std::string& root() const { return root_; }
  std::string instanceDir() const { return root_ + "/instances"; }

  Result<void> stopLibvirtd();
  Result<void> startLibvirtd();
  // SIGSTOP / SIGCONT: a hung daemon, its socket open and nothing answering.
  Result<void> freezeLibvirtd();
  Result<void> thawLibvirtd();
  // The QEMU pid of a running domain, from libvirt's pid file.
  Result<pid_t> qemuPid(const std::string& domainName) const;

 private:
  PrivateLibvirtd(std::string netns, std::string root)
      : netns_(std::move(netns)), root_(std::move(root)) {}
  Result<pid_t> spawnDaemon(const std::vector<std::string>& argv, const std::string& log);
  Result<void> waitForSocket(const std::string& path);

  std::string netns_;
  std::string root_;
  pid_t virtlogd_ = -1;
  pid_t libvirtd_ = -1;
  bool netnsCreated_ = false;
};

}  // namespace stele::hypervisor::e2e
