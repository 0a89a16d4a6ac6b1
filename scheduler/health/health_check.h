// A deployment's health check as plain data: what the Deployment YAML's `healthCheck` says.
//
// Defaults suit appliance VMs that boot in well under a second on KVM and answer a probe on
// the host bridge in about a millisecond:
//   initialDelayMs 0      probe from the start; a refused connection while the guest boots is
//                         cheap and tells us the moment it is up.
//   periodMs 200          a healthy instance is seen within 200 ms of its ready line; 4,000
//                         instances cost one prober 20,000 probes/s.
//   timeoutMs 500         far above a healthy answer (< 5 ms even under TCG), below period *
//                         failureThreshold so a hung guest is caught in about 1.5 s.
//   successThreshold 1    one good answer makes it Healthy.
//   failureThreshold 3    three consecutive failures (about 0.6 to 1.5 s) fail it.
//   startupTimeoutMs 10000  while it has never been Healthy, failures fail it only after this
//                         long (after the initial delay): a KVM boot is well inside it, a TCG
//                         boot (a few seconds here) too, and a guest that never comes up is
//                         still replaced.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace stele::scheduler::health {

struct HttpCheck {
  int port = 80;
  std::string path = "/healthz";
  int expectStatus = 200;
};

struct TcpCheck {
  int port = 0;
};

// expect: "" = any NOERROR answer with at least one record; else one answer record of `type`
// must equal it (A: dotted quad; AAAA: any spelling inet_pton reads; CNAME/NS: a name, case
// and final dot ignored; TXT: the strings concatenated).
struct DnsCheck {
  std::string name;
  std::string type = "A";
  std::string expect;
  int port = 53;
};

// A line the appliance prints on its serial console; read by the caller, not a network probe.
struct ConsoleCheck {
  std::string match;
};

using CheckKind = std::variant<HttpCheck, TcpCheck, DnsCheck, ConsoleCheck>;

struct HealthCheckSpec {
  CheckKind kind;
  std::int64_t initialDelayMs = 0, periodMs = 200, timeoutMs = 500;
  int successThreshold = 1, failureThreshold = 3;
  std::int64_t startupTimeoutMs = 10000;
  std::optional<std::string> targetAddress;  // probe this address instead of the instance's
  std::optional<std::string> vantageNetns;   // run from this netns instead of the host's
};

}  // namespace stele::scheduler::health
