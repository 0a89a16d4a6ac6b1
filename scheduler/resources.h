// The desired-state kinds as typed values: what a `stele apply` document means once parsed.
// Stored as the canonical JSON of the submitted document and parsed again when read, so the
// parser below is the one definition of each kind.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "scheduler/health/health_check.h"
#include "scheduler/host_request.h"
#include "scheduler/ipv4.h"

namespace stele::scheduler {

inline constexpr const char* kApiVersion = "stele.dev/v1";

struct ObjectMeta {
  std::string name;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  friend bool operator==(const ObjectMeta&, const ObjectMeta&) = default;
};

struct NetworkResource {
  ObjectMeta meta;
  Ipv4Prefix cidr;
  std::optional<std::uint32_t> hostAddress;         // the host's address on the bridge
  std::map<std::string, std::string> hostSelector;  // hosts that carry it; empty = all
  friend bool operator==(const NetworkResource&, const NetworkResource&) = default;
};

// A count or a percentage ("25%"), as in Kubernetes' IntOrString.
struct IntOrPercent {
  std::int64_t value = 0;
  bool percent = false;
  friend bool operator==(const IntOrPercent&, const IntOrPercent&) = default;
};

struct InterfaceRequest {
  std::string network;
  std::vector<std::uint32_t> addresses;  // static, one per replica (+ spares for surge)
  // pool: every address from `first` to `last` inclusive, taken in order.
  std::optional<std::pair<std::uint32_t, std::uint32_t>> pool;

  std::size_t capacity() const;
  std::uint32_t addressAt(std::size_t i) const;  // i < capacity()
};

struct ImageRequest {
  std::string name;
  std::string version;  // set for name:version
  std::string digest;   // set for name@sha256:... (the manifest digest)
  std::string text() const;
};

struct StrategyRequest {
  enum class Type { RollingUpdate, Recreate, Canary } type = Type::RollingUpdate;
  // Not given: 25%, but only into spare static addresses (see resolveRolloutBounds).
  std::optional<IntOrPercent> maxSurge;
  IntOrPercent maxUnavailable{25, true};
  int canaryInstances = 1;
  std::int64_t canaryAnalysisMs = 60000;
  bool canaryManual = false;
};

struct PlacementRequestSpec {
  std::map<std::string, std::string> hostSelector;
  bool spreadHosts = true;  // spread: hosts (default) | none
  int maxPerHost = 0;       // 0 = no limit
};

struct DeploymentResource {
  ObjectMeta meta;
  ImageRequest image;
  int replicas = 1;
  std::optional<unsigned> vcpus;             // default: the image manifest's
  std::optional<std::uint64_t> memoryMiB;    // default: the image manifest's
  std::vector<InterfaceRequest> interfaces;  // eth0, eth1, ... in this order
  std::string config;                        // appliance config template lines
  std::optional<std::string> cmdline;        // default: the image manifest's
  // The check its instances must pass (none: available once running). Defaults as parsed:
  // period 1000 ms, timeout 500 ms, thresholds 1 / 3.
  std::optional<health::HealthCheckSpec> healthCheck;
  StrategyRequest strategy;
  std::int64_t minReadyMs = 0;
  std::int64_t progressDeadlineMs = 600000;
  bool autoRollback = true;
  int revisionHistoryLimit = 10;
  PlacementRequestSpec placement;
};

struct HostResource {
  HostRequest request;
};

using Resource = std::variant<NetworkResource, DeploymentResource, HostResource>;

std::string kindOf(const Resource& resource);
const std::string& nameOf(const Resource& resource);

}  // namespace stele::scheduler
