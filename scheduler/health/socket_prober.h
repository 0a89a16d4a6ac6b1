// The real Prober: HTTP, TCP and DNS probes over non-blocking sockets, served by one event
// loop thread per network namespace (made on first use; the thread enters /run/netns/NAME
// once). No thread per probe; each loop runs at most maxInFlightPerLoop probes at once and
// queues the rest in order. Timeouts are measured from the probe's first syscall, on the
// monotonic clock, so time spent queued behind other probes is not held against an instance.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "scheduler/health/prober.h"

namespace stele::scheduler::health {

class ProbeLoop;

struct SocketProberOptions {
  std::size_t maxInFlightPerLoop = 512;       // sockets open at once per namespace
  std::string netnsDirectory = "/run/netns";  // where `ip netns add` puts its handles
};

class SocketProber final : public Prober {
 public:
  explicit SocketProber(SocketProberOptions options = {});
  ~SocketProber() override;  // stops every loop; unfinished probes get "prober stopped"
  SocketProber(const SocketProber&) = delete;
  SocketProber& operator=(const SocketProber&) = delete;

  // A malformed request (bad address, port, path, DNS name or a console check) and a
  // namespace that cannot be entered fail with proberFault set.
  void submit(ProbeRequest request, std::function<void(ProbeResult)> done) override;

  std::size_t loopCount();

 private:
  SocketProberOptions options_;
  std::mutex mutex_;
  bool stopping_ = false;
  std::map<std::string, std::unique_ptr<ProbeLoop>> loops_;
};

}  // namespace stele::scheduler::health
