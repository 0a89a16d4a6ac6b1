#include "api/json_views.h"

#include "common/encoding.h"
#include "common/time_format.h"

namespace stele::api {

using nlohmann::json;

json timeJson(const std::optional<std::int64_t>& unixSeconds) {
  if (!unixSeconds) return nullptr;
  return formatRfc3339(*unixSeconds);
}

json keyJson(const store::SigningKeyRecord& key) {
  std::string state = key.revokedAt ? "revoked" : key.retiredAt ? "retired" : "active";
  return {{"id", key.id},
          {"publicKey", base64Encode(key.publicKey)},
          {"names", key.namePatterns},
          {"comment", key.comment},
          {"notBefore", timeJson(key.notBefore)},
          {"notAfter", timeJson(key.notAfter)},
          {"addedAt", timeJson(key.addedAt)},
          {"retiredAt", timeJson(key.retiredAt)},
          {"revokedAt", timeJson(key.revokedAt)},
          {"state", state}};
}

json tokenJson(const store::TokenRecord& token) {
  return {{"id", token.id},
          {"role", token.role},
          {"names", token.namePatterns},
          {"description", token.description},
          {"createdAt", timeJson(token.createdAt)},
          {"revokedAt", timeJson(token.revokedAt)}};
}

json versionJson(const images::StoredVersion& v) {
  json blobs = json::array();
  std::int64_t total = 0;
  for (const auto& b : v.record.blobs) {
    blobs.push_back({{"role", b.role}, {"digest", b.digest}, {"size", b.size}});
    total += b.size;
  }
  json signers = json::array();
  for (const auto& s : v.record.signatures) signers.push_back(s.keyId);
  json config = json::array();
  for (const auto& c : v.manifest.config) {
    config.push_back({{"key", c.key}, {"required", c.required}, {"description", c.description}});
  }
  return {{"name", v.record.name},
          {"version", v.record.version},
          {"manifestDigest", v.record.manifestDigest},
          {"pushedAt", timeJson(v.record.pushedAt)},
          {"pushedBy", v.record.pushedBy},
          {"signers", signers},
          {"size", total},
          {"blobs", blobs},
          {"boot", {{"kind", v.manifest.bootKind}, {"cmdline", v.manifest.cmdline}}},
          {"resources", {{"vcpus", v.manifest.vcpus}, {"memoryMiB", v.manifest.memoryMiB}}},
          {"config", config},
          {"annotations", v.manifest.annotations}};
}

json verifyReportJson(const images::VerifyReport& report) {
  json blobs = json::array();
  for (const auto& b : report.blobs) {
    json entry = {{"role", b.role}, {"digest", b.digest}, {"size", b.size}, {"status", b.status}};
    if (!b.actualDigest.empty()) entry["actualDigest"] = b.actualDigest;
    if (!b.reason.empty()) entry["reason"] = b.reason;
    blobs.push_back(entry);
  }
  json signatures = json::array();
  for (const auto& s : report.signatures) {
    signatures.push_back({{"keyId", s.keyId}, {"status", s.status}});
  }
  return {{"name", report.name},       {"version", report.version},
          {"ok", report.ok()},         {"blobsIntact", report.blobsIntact},
          {"trusted", report.trusted}, {"blobs", blobs},
          {"signatures", signatures}};
}

}  // namespace stele::api

namespace stele::api {

nlohmann::json hostJson(const scheduler::HostView& host) {
  using hypervisor::HostReachability;
  std::string state = host.status.reachability == HostReachability::Reachable    ? "up"
                      : host.status.reachability == HostReachability::Connecting ? "connecting"
                                                                                 : "unreachable";
  nlohmann::json labels = nlohmann::json::object();
  for (const auto& label : host.record.labels) {
    auto eq = label.find('=');
    labels[label.substr(0, eq)] = label.substr(eq + 1);
  }
  nlohmann::json out = {{"name", host.record.name},
                        {"uri", host.record.uri},
                        {"accel", host.record.accel},
                        {"probeNetns", host.record.probeNetns},
                        {"labels", labels},
                        {"draining", host.record.draining},
                        {"addedAt", timeJson(host.record.addedAt)},
                        {"state", state},
                        {"stateSince", timeJson(host.status.sinceUnix)},
                        {"lastError", host.status.lastError},
                        {"capacity", nullptr},
                        {"allocated", nullptr},
                        {"instances", nullptr}};
  if (host.resources) {
    out["capacity"] = {{"cpus", host.resources->cpus}, {"memoryMiB", host.resources->memoryMiB}};
    out["allocated"] = {{"vcpus", host.resources->allocatedVcpus},
                        {"memoryMiB", host.resources->allocatedMemoryMiB},
                        {"domains", host.resources->activeDomains}};
  }
  if (host.instances) out["instances"] = *host.instances;
  return out;
}

}  // namespace stele::api
