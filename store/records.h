// Plain data rows the repositories read and write.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace stele::store {

struct TokenRecord {
  std::string id;
  std::string secretHash;  // sha256 hex of the whole token; the token itself is never stored
  std::string role;
  std::vector<std::string> namePatterns;
  std::string description;
  std::int64_t createdAt = 0;
  std::optional<std::int64_t> revokedAt;
};

struct SigningKeyRecord {
  std::string id;         // sha256 hex of the raw 32-byte Ed25519 public key
  std::string publicKey;  // raw 32 bytes
  std::vector<std::string> namePatterns;
  std::string comment;
  std::optional<std::int64_t> notBefore;
  std::optional<std::int64_t> notAfter;
  std::int64_t addedAt = 0;
  std::optional<std::int64_t> retiredAt;
  std::optional<std::int64_t> revokedAt;
};

struct SignatureRecord {
  std::string keyId;
  std::string signature;  // raw 64 bytes
};

struct BlobRefRecord {
  std::string role;  // kernel | initrd | disk
  std::string digest;
  std::int64_t size = 0;
};

struct ImageVersionRecord {
  std::int64_t id = 0;
  std::string name;
  std::string version;
  std::string manifest;  // exact bytes as signed
  std::string manifestDigest;
  std::string payloadType;
  std::int64_t pushedAt = 0;
  std::string pushedBy;
  std::optional<std::int64_t> deletedAt;
  std::vector<SignatureRecord> signatures;
  std::vector<BlobRefRecord> blobs;
};

struct HostRecord {
  std::string name;
  std::string uri;
  std::string accel;                // kvm | qemu
  std::vector<std::string> labels;  // "key=value"
  bool draining = false;
  std::int64_t addedAt = 0;
  std::string probeNetns;  // network namespace health probes of its instances run in ("" = ours)
};

struct ImageSummary {
  std::string name;
  std::int64_t versions = 0;
  std::string latestVersion;
  std::int64_t latestPushedAt = 0;
};

}  // namespace stele::store
