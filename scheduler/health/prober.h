// The asynchronous probe interface the reconciler uses. SocketProber is the real one; tests
// of the reconciler script their own.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "scheduler/health/health_check.h"

namespace stele::scheduler::health {

struct ProbeRequest {
  std::uint64_t key = 0;  // caller's id, echoed in the result
  CheckKind check;        // Http, Tcp or Dns (Console is not a network probe)
  std::string address;    // IPv4 to probe
  std::string netns;      // network namespace name to probe from ("" = the server's own)
  std::int64_t timeoutMs = 500;
};

struct ProbeResult {
  std::uint64_t key = 0;
  bool ok = false;
  // Short and safe to show to viewers ("http 503", "connect refused", "timeout after 500 ms",
  // "dns NXDOMAIN"); never a response body.
  std::string detail;
  std::int64_t latencyUs = 0;  // from the probe's first syscall to its outcome
  // The prober's own failure (bad request, no socket, cannot enter the namespace): says
  // nothing about the instance, so the tracker counts it neither way.
  bool proberFault = false;
};

class Prober {
 public:
  virtual ~Prober() = default;
  // Never blocks; `done` runs later on a prober thread (or inline on immediate failure).
  virtual void submit(ProbeRequest request, std::function<void(ProbeResult)> done) = 0;
};

}  // namespace stele::scheduler::health
