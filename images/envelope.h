// The signature envelope (DSSE): the payload bytes, their type, and signatures over the
// pre-authentication encoding PAE(type, payload), so a signature made for one kind of
// document can never be replayed as another.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace stele::images {

struct EnvelopeSignature {
  std::string keyId;      // sha256 hex of the raw public key
  std::string signature;  // raw 64 bytes
};

struct Envelope {
  std::string payloadType;
  std::string payload;  // exact bytes (decoded from base64)
  std::vector<EnvelopeSignature> signatures;
};

// "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in ASCII decimal.
std::string preAuthEncoding(std::string_view payloadType, std::string_view payload);

// Strict: only payloadType, payload, signatures[{keyid, sig}]; 1..8 signatures, distinct key ids.
Result<Envelope> parseEnvelope(std::string_view bytes);
std::string serializeEnvelope(const Envelope& envelope);

}  // namespace stele::images
