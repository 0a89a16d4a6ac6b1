// Test helpers: key pairs, manifests and signed envelopes built with the real code.
#pragma once

#include <string>
#include <vector>

#include "images/envelope.h"
#include "images/manifest.h"

namespace stele::testing {

struct TestKey {
  std::string privatePem;
  std::string publicPem;
  std::string raw;
  std::string id;
};

TestKey makeKey();

// A kernel-boot manifest for NAME:VERSION whose kernel blob is `kernelDigest` / `kernelSize`.
std::string manifestFor(const std::string& name, const std::string& version,
                        const std::string& kernelDigest, std::int64_t kernelSize,
                        const std::string& cmdline = "console=ttyS0");

// Signs PAE(type, payload) with every key given.
std::string envelopeFor(const std::string& payload, const std::vector<const TestKey*>& keys,
                        const std::string& payloadType = std::string(images::kManifestPayloadType));

}  // namespace stele::testing
