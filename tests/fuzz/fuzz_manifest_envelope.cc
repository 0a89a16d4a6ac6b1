// libFuzzer target for the parsers of signed documents: strict JSON, the DSSE envelope and the
// image manifest. Every input goes to all three; an envelope that parses also hands its
// decoded payload to the manifest parser, which is how a signed manifest arrives in a push.
//
// Beyond "no crash, no leak, no hang" it checks round trips: whatever parses re-serializes
// (serializeManifest / serializeEnvelope) into bytes that parse again to the same value, and
// re-serializing those gives the same bytes.
//
// Seeds: tests/fuzz/corpus/manifest_envelope/ (valid envelopes signed with a throwaway key,
// bare manifests, and near misses). Run: build-fuzz/tests/fuzz/fuzz_manifest_envelope CORPUS...
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "images/envelope.h"
#include "images/manifest.h"
#include "images/strict_json.h"

namespace {

using namespace stele::images;

void check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz_manifest_envelope: invariant broken: %s\n", what);
  std::abort();
}

bool sameBlobs(const Manifest& a, const Manifest& b) {
  if (a.blobs.size() != b.blobs.size()) return false;
  for (std::size_t i = 0; i < a.blobs.size(); ++i) {
    const BlobRef& x = a.blobs[i];
    const BlobRef& y = b.blobs[i];
    if (x.role != y.role || x.digest != y.digest || x.size != y.size) return false;
  }
  return true;
}

bool sameConfig(const Manifest& a, const Manifest& b) {
  if (a.config.size() != b.config.size()) return false;
  for (std::size_t i = 0; i < a.config.size(); ++i) {
    const ConfigKey& x = a.config[i];
    const ConfigKey& y = b.config[i];
    if (x.key != y.key || x.required != y.required || x.description != y.description) {
      return false;
    }
  }
  return true;
}

void fuzzStrictJson(std::string_view bytes) {
  auto parsed = parseStrictJson(bytes, "input");
  if (!parsed) {
    check(!parsed.error().code.empty(), "strict JSON error without a code");
    return;
  }
  // What parsed is plain, duplicate-free, valid UTF-8 JSON: its dump must parse back the same.
  std::string dumped = parsed->dump();
  auto again = parseStrictJson(dumped, "dump");
  check(again.has_value(), "dumped strict JSON does not parse again");
  check(*again == *parsed, "dumped strict JSON parses to another value");
}

void fuzzManifest(std::string_view bytes) {
  auto manifest = parseManifest(bytes);
  if (!manifest) {
    check(!manifest.error().message.empty(), "manifest error without a message");
    return;
  }
  const Manifest& m = *manifest;
  check(m.blob(m.bootKind) != nullptr, "manifest parsed without the blob its boot kind needs");
  std::string canonical = serializeManifest(m);
  auto again = parseManifest(canonical);
  check(again.has_value(), "serialized manifest does not parse again");
  const Manifest& n = *again;
  check(n.name == m.name && n.version == m.version, "round trip changed name or version");
  check(sameBlobs(m, n), "round trip changed the blobs");
  check(n.bootKind == m.bootKind && n.cmdline == m.cmdline, "round trip changed boot");
  check(n.vcpus == m.vcpus && n.memoryMiB == m.memoryMiB, "round trip changed resources");
  check(sameConfig(m, n), "round trip changed the config keys");
  check(n.annotations == m.annotations, "round trip changed the annotations");
  check(serializeManifest(n) == canonical, "serializeManifest is not a fixed point");
}

void fuzzEnvelope(std::string_view bytes) {
  auto envelope = parseEnvelope(bytes);
  if (!envelope) {
    check(!envelope.error().code.empty(), "envelope error without a code");
    return;
  }
  const Envelope& e = *envelope;
  check(!e.payload.empty() && !e.signatures.empty() && e.signatures.size() <= 8,
        "envelope parsed outside its limits");
  for (const auto& s : e.signatures) {
    check(s.keyId.size() == 64 && s.signature.size() == 64, "signature of the wrong shape");
  }
  std::string pae = preAuthEncoding(e.payloadType, e.payload);
  check(pae.size() > e.payloadType.size() + e.payload.size(), "PAE shorter than its parts");
  std::string serialized = serializeEnvelope(e);
  auto again = parseEnvelope(serialized);
  check(again.has_value(), "serialized envelope does not parse again");
  check(again->payloadType == e.payloadType && again->payload == e.payload,
        "round trip changed the payload");
  check(again->signatures.size() == e.signatures.size(), "round trip changed the signatures");
  for (std::size_t i = 0; i < e.signatures.size(); ++i) {
    check(again->signatures[i].keyId == e.signatures[i].keyId &&
              again->signatures[i].signature == e.signatures[i].signature,
          "round trip changed a signature");
  }
  check(serializeEnvelope(*again) == serialized, "serializeEnvelope is not a fixed point");
  fuzzManifest(e.payload);  // the registry checks payloadType first; the parser must not care
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  fuzzStrictJson(bytes);
  fuzzEnvelope(bytes);
  fuzzManifest(bytes);
  return 0;
}
