// The image manifest: what a version is made of. Parsed strictly from the exact signed bytes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace stele::images {

inline constexpr std::string_view kManifestPayloadType = "application/vnd.stele.manifest.v1+json";

struct BlobRef {
  std::string role;    // kernel | initrd | disk
  std::string digest;  // sha256:<hex>
  std::int64_t size = 0;
};

struct ConfigKey {
  std::string key;
  bool required = false;
  std::string description;
};

struct Manifest {
  int schemaVersion = 1;
  std::string name;
  std::string version;
  std::string bootKind;  // "kernel" (direct kernel boot) or "disk"
  std::string cmdline;
  std::vector<BlobRef> blobs;  // sorted by role
  int vcpus = 1;
  int memoryMiB = 64;
  std::vector<ConfigKey> config;
  std::map<std::string, std::string> annotations;

  const BlobRef* blob(std::string_view role) const;
};

// Parses and validates. Errors name the field path, e.g. "manifest.blobs.kernel.size".
Result<Manifest> parseManifest(std::string_view bytes);

// Canonical JSON for a manifest (sorted keys, no spaces): what `stele push` signs.
std::string serializeManifest(const Manifest& manifest);

}  // namespace stele::images
