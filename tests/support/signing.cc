#include "tests/support/signing.h"

#include <stdexcept>

#include "images/ed25519.h"

namespace stele::testing {

TestKey makeKey() {
  auto pair = images::generateKeyPair();
  if (!pair) throw std::runtime_error(pair.error().message);
  auto raw = images::rawPublicKeyFromPem(pair->publicPem);
  return TestKey{pair->privatePem, pair->publicPem, *raw, images::keyIdOf(*raw)};
}

std::string manifestFor(const std::string& name, const std::string& version,
                        const std::string& kernelDigest, std::int64_t kernelSize,
                        const std::string& cmdline) {
  images::Manifest m;
  m.name = name;
  m.version = version;
  m.bootKind = "kernel";
  m.cmdline = cmdline;
  m.blobs = {{"kernel", kernelDigest, kernelSize}};
  m.memoryMiB = 32;
  m.annotations = {{"commit", "0123abc"}, {"pipeline", "test"}};
  return images::serializeManifest(m);
}

std::string envelopeFor(const std::string& payload, const std::vector<const TestKey*>& keys,
                        const std::string& payloadType) {
  images::Envelope e{payloadType, payload, {}};
  for (const TestKey* k : keys) {
    auto sig = images::sign(k->privatePem, images::preAuthEncoding(payloadType, payload));
    e.signatures.push_back({k->id, *sig});
  }
  return images::serializeEnvelope(e);
}

}  // namespace stele::testing
