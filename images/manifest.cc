#include "images/manifest.h"

#include <nlohmann/json.hpp>
#include <set>

#include "common/encoding.h"
#include "common/sha256.h"
#include "images/naming.h"
#include "images/strict_json.h"

namespace stele::images {
namespace {

// "PATH.KEY", the path of a field inside the object at PATH.
std::string fieldPath(const std::string& path, const std::string& key) { return path + "." + key; }

using nlohmann::json;

constexpr std::size_t kMaxManifestBytes = std::size_t{64} * 1024;
const std::set<std::string> kBlobRoles = {"kernel", "initrd", "disk"};

std::unexpected<Error> invalid(const std::string& path, const std::string& reason) {
  return fail(ErrorKind::Unprocessable, "manifest_invalid", path + ": " + reason);
}

Result<void> onlyKeys(const json& object, const std::string& path,
                      const std::set<std::string>& allowed) {
  if (!object.is_object()) return invalid(path, "must be an object");
  for (const auto& [key, value] : object.items()) {
    if (!allowed.contains(key)) return invalid(fieldPath(path, key), "unknown field");
  }
  return {};
}

Result<std::string> stringField(const json& object, const std::string& path, const char* key,
                                bool required, std::size_t maxLength) {
  auto it = object.find(key);
  if (it == object.end()) {
    if (required) return invalid(path + "." + key, "is required");
    return std::string();
  }
  if (!it->is_string()) return invalid(path + "." + key, "must be a string");
  std::string value = it->get<std::string>();
  if (value.size() > maxLength) {
    return invalid(path + "." + key, "longer than " + std::to_string(maxLength) + " bytes");
  }
  return value;
}

Result<std::int64_t> integerField(const json& object, const std::string& path, const char* key,
                                  std::int64_t min, std::int64_t max,
                                  std::optional<std::int64_t> fallback) {
  auto it = object.find(key);
  if (it == object.end()) {
    if (fallback) return *fallback;
    return invalid(path + "." + key, "is required");
  }
  if (!it->is_number_integer()) return invalid(path + "." + key, "must be an integer");
  std::int64_t value = it->is_number_unsigned() && it->get<std::uint64_t>() > INT64_MAX
                           ? max + 1
                           : it->get<std::int64_t>();
  if (value < min || value > max) {
    return invalid(path + "." + key,
                   "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return value;
}

bool isPrintableAscii(std::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

bool hasControlCharacters(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  }
  return false;
}

Result<void> parseBlobs(const json& root, Manifest& m) {
  auto it = root.find("blobs");
  if (it == root.end()) return invalid("manifest.blobs", "is required");
  if (!it->is_object() || it->empty())
    return invalid("manifest.blobs", "must be a non-empty object");
  for (const auto& [role, ref] : it->items()) {
    std::string path = "manifest.blobs." + role;
    if (!kBlobRoles.contains(role))
      return invalid(path, "unknown blob role (kernel, initrd, disk)");
    if (auto r = onlyKeys(ref, path, {"digest", "size"}); !r) return fail(r.error());
    auto digest = stringField(ref, path, "digest", true, 80);
    if (!digest) return fail(digest.error());
    if (!isDigestString(*digest)) {
      return invalid(path + ".digest", "must be sha256: followed by 64 lowercase hex characters");
    }
    auto size = integerField(ref, path, "size", 1, std::int64_t{1} << 40, std::nullopt);
    if (!size) return fail(size.error());
    m.blobs.push_back(BlobRef{role, *digest, *size});
  }
  return {};
}

Result<void> parseBoot(const json& root, Manifest& m) {
  auto it = root.find("boot");
  if (it == root.end()) return invalid("manifest.boot", "is required");
  if (auto r = onlyKeys(*it, "manifest.boot", {"kind", "cmdline"}); !r) return r;
  auto kind = stringField(*it, "manifest.boot", "kind", true, 16);
  if (!kind) return fail(kind.error());
  if (*kind != "kernel" && *kind != "disk") {
    return invalid("manifest.boot.kind", "must be \"kernel\" or \"disk\"");
  }
  auto cmdline = stringField(*it, "manifest.boot", "cmdline", false, 1024);
  if (!cmdline) return fail(cmdline.error());
  if (!isPrintableAscii(*cmdline)) {
    return invalid("manifest.boot.cmdline", "must be printable ASCII without control characters");
  }
  m.bootKind = *kind;
  m.cmdline = *cmdline;
  std::string needed = m.bootKind == "kernel" ? "kernel" : "disk";
  if (m.blob(needed) == nullptr) {
    return invalid("manifest.blobs." + needed, "is required for boot kind \"" + m.bootKind + "\"");
  }
  if (m.bootKind == "disk" && m.blob("initrd") != nullptr) {
    return invalid("manifest.blobs.initrd", "only goes with boot kind \"kernel\"");
  }
  return {};
}

Result<void> parseResources(const json& root, Manifest& m) {
  auto it = root.find("resources");
  if (it == root.end()) return {};
  if (auto r = onlyKeys(*it, "manifest.resources", {"vcpus", "memoryMiB"}); !r) return r;
  auto vcpus = integerField(*it, "manifest.resources", "vcpus", 1, 64, 1);
  if (!vcpus) return fail(vcpus.error());
  auto memory = integerField(*it, "manifest.resources", "memoryMiB", 16, 65536, 64);
  if (!memory) return fail(memory.error());
  m.vcpus = static_cast<int>(*vcpus);
  m.memoryMiB = static_cast<int>(*memory);
  return {};
}

Result<void> parseConfigKeys(const json& root, Manifest& m) {
  auto it = root.find("config");
  if (it == root.end()) return {};
  if (!it->is_array() || it->size() > 64) {
    return invalid("manifest.config", "must be an array of at most 64 entries");
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < it->size(); ++i) {
    std::string path = "manifest.config[" + std::to_string(i) + "]";
    const json& entry = (*it)[i];
    if (auto r = onlyKeys(entry, path, {"key", "required", "description"}); !r) return r;
    auto key = stringField(entry, path, "key", true, 64);
    if (!key) return fail(key.error());
    if (auto r = validateNamePattern(*key); !r || key->find_first_of("*?") != std::string::npos) {
      return invalid(path + ".key", "must be lowercase letters, digits, '.', '_' or '-'");
    }
    if (!seen.insert(*key).second) return invalid(path + ".key", "duplicate key \"" + *key + "\"");
    auto description = stringField(entry, path, "description", false, 256);
    if (!description) return fail(description.error());
    bool required = false;
    if (auto r = entry.find("required"); r != entry.end()) {
      if (!r->is_boolean()) return invalid(path + ".required", "must be true or false");
      required = r->get<bool>();
    }
    m.config.push_back(ConfigKey{*key, required, *description});
  }
  return {};
}

Result<void> parseAnnotations(const json& root, Manifest& m) {
  auto it = root.find("annotations");
  if (it == root.end()) return {};
  if (!it->is_object() || it->size() > 32) {
    return invalid("manifest.annotations", "must be an object of at most 32 entries");
  }
  for (const auto& [key, value] : it->items()) {
    std::string path = "manifest.annotations." + key;
    if (key.empty() || key.size() > 64 || !isPrintableAscii(key)) {
      return invalid("manifest.annotations", "keys must be 1-64 printable ASCII characters");
    }
    if (!value.is_string()) return invalid(path, "must be a string");
    std::string text = value.get<std::string>();
    if (text.size() > 512 || hasControlCharacters(text)) {
      return invalid(path, "must be at most 512 bytes without control characters");
    }
    m.annotations.emplace(key, text);
  }
  return {};
}

}  // namespace

const BlobRef* Manifest::blob(std::string_view role) const {
  for (const auto& b : blobs) {
    if (b.role == role) return &b;
  }
  return nullptr;
}

Result<Manifest> parseManifest(std::string_view bytes) {
  if (bytes.size() > kMaxManifestBytes) {
    return fail(ErrorKind::TooLarge, "manifest_too_large",
                "manifest is " + std::to_string(bytes.size()) + " bytes; the limit is " +
                    std::to_string(kMaxManifestBytes));
  }
  auto root = parseStrictJson(bytes, "manifest");
  if (!root) return fail(root.error());
  if (auto r = onlyKeys(*root, "manifest",
                        {"schemaVersion", "name", "version", "boot", "blobs", "resources", "config",
                         "annotations"});
      !r) {
    return fail(r.error());
  }
  Manifest m;
  auto schema = integerField(*root, "manifest", "schemaVersion", 1, 1, std::nullopt);
  if (!schema) return fail(schema.error());
  auto name = stringField(*root, "manifest", "name", true, 256);
  if (!name) return fail(name.error());
  if (auto r = validateImageName(*name); !r) return invalid("manifest.name", r.error().message);
  auto version = stringField(*root, "manifest", "version", true, 256);
  if (!version) return fail(version.error());
  if (auto r = validateVersion(*version); !r) return invalid("manifest.version", r.error().message);
  m.name = *name;
  m.version = *version;
  for (auto step : {parseBlobs, parseBoot, parseResources, parseConfigKeys, parseAnnotations}) {
    if (auto r = step(*root, m); !r) return fail(r.error());
  }
  return m;
}

std::string serializeManifest(const Manifest& m) {
  json root;
  root["schemaVersion"] = m.schemaVersion;
  root["name"] = m.name;
  root["version"] = m.version;
  root["boot"] = {{"kind", m.bootKind}};
  if (!m.cmdline.empty()) root["boot"]["cmdline"] = m.cmdline;
  for (const auto& b : m.blobs) root["blobs"][b.role] = {{"digest", b.digest}, {"size", b.size}};
  root["resources"] = {{"vcpus", m.vcpus}, {"memoryMiB", m.memoryMiB}};
  if (!m.config.empty()) {
    root["config"] = json::array();
    for (const auto& c : m.config) {
      json entry = {{"key", c.key}, {"required", c.required}};
      if (!c.description.empty()) entry["description"] = c.description;
      root["config"].push_back(entry);
    }
  }
  if (!m.annotations.empty()) root["annotations"] = m.annotations;
  return root.dump();
}

}  // namespace stele::images
