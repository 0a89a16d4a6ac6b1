// Where one instance goes: a pure function over plain data (no I/O, no clock).
//
// Feasibility, in this fixed order (a rejected host is counted under its FIRST failing check):
//   1 host down            not up (unreachable)
//   2 draining             the host takes no new placements
//   3 wrong acceleration   the request needs kvm (or qemu) and the host has the other
//   4 insufficient memory  allocated + requested > capacity
//   5 insufficient vcpus   allocated + requested > capacity
//   6 missing network      the host may not carry one of the requested networks
//   7 label mismatch       a hostSelector label is absent or has another value
//   8 max per host         the host already holds maxPerHost instances of the deployment
// Scoring among feasible hosts, best first: not in avoidHosts (a soft preference), then fewer
// instances of the deployment (when spreadHosts), then least allocated (the mean of the free
// memory and free vCPU fractions after placing, as Kubernetes' LeastAllocated), ties broken
// by `random`.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/random.h"
#include "hypervisor/domain_spec.h"

namespace stele::scheduler {

struct HostCandidate {
  std::string name;
  bool up = true;
  bool draining = false;
  hypervisor::Acceleration accel = hypervisor::Acceleration::Kvm;
  unsigned cpus = 0;  // capacity
  std::uint64_t memoryMiB = 0;
  unsigned allocatedVcpus = 0;  // in use, including what is planned but not yet running
  std::uint64_t allocatedMemoryMiB = 0;
  std::map<std::string, std::string> labels;
  std::set<std::string> networks;          // networks this host may carry
  std::map<std::string, int> instancesOf;  // deployment name -> its instances on this host
};

struct PlacementRequest {
  std::string deployment;
  unsigned vcpus = 1;
  std::uint64_t memoryMiB = 32;
  std::optional<hypervisor::Acceleration> accel;    // required acceleration, if any
  std::map<std::string, std::string> hostSelector;  // every label must match
  std::vector<std::string> networks;                // every one must be carried
  bool spreadHosts = true;                          // score: fewer of this deployment first
  int maxPerHost = 0;                               // hard limit per host; 0 = none
  std::set<std::string> avoidHosts;                 // e.g. where it just crashed (soft)
};

// The rejection reasons in check order (the keys of PlacementDecision::rejected).
inline constexpr std::array<std::string_view, 8> kPlacementReasons = {
    "host down",          "draining",        "wrong acceleration", "insufficient memory",
    "insufficient vcpus", "missing network", "label mismatch",     "max per host"};

struct PlacementDecision {
  std::optional<std::string> host;
  // "placed on h2: 3/5 hosts fit", or, when none fits, as Kubernetes' FailedScheduling:
  // "0/3 hosts fit: 2 insufficient memory, 1 draining" (most hosts first, then check order);
  // "0/0 hosts fit: no hosts" for an empty list.
  std::string reason;
  std::map<std::string, int> rejected;  // reason -> number of hosts
  int feasible = 0;
};

// The first failing check for `host`, or nullopt when it may take the instance.
std::optional<std::string_view> firstRejection(const PlacementRequest& request,
                                               const HostCandidate& host);

PlacementDecision place(const PlacementRequest& request, std::span<const HostCandidate> hosts,
                        Random& random);

}  // namespace stele::scheduler
