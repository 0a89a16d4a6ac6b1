#include "images/envelope.h"

#include <nlohmann/json.hpp>
#include <set>

#include "common/encoding.h"
#include "images/strict_json.h"

namespace stele::images {
namespace {

// "PATH.KEY", the path of a field inside the object at PATH.
std::string fieldPath(const std::string& path, const std::string& key) { return path + "." + key; }

using nlohmann::json;

constexpr std::size_t kMaxSignatures = 8;

std::unexpected<Error> invalid(const std::string& path, const std::string& reason) {
  return fail(ErrorKind::InvalidArgument, "envelope_invalid", path + ": " + reason);
}

}  // namespace

std::string preAuthEncoding(std::string_view payloadType, std::string_view payload) {
  std::string out = "DSSEv1 ";
  out += std::to_string(payloadType.size());
  out += ' ';
  out += payloadType;
  out += ' ';
  out += std::to_string(payload.size());
  out += ' ';
  out += payload;
  return out;
}

Result<Envelope> parseEnvelope(std::string_view bytes) {
  auto root = parseStrictJson(bytes, "envelope", 4);
  if (!root) return fail(root.error());
  if (!root->is_object()) return invalid("envelope", "must be a JSON object");
  for (const auto& [key, value] : root->items()) {
    if (key != "payloadType" && key != "payload" && key != "signatures") {
      return invalid("envelope." + key, "unknown field");
    }
  }
  Envelope envelope;
  auto type = root->find("payloadType");
  if (type == root->end() || !type->is_string()) {
    return invalid("envelope.payloadType", "is required and must be a string");
  }
  envelope.payloadType = type->get<std::string>();
  auto payload = root->find("payload");
  if (payload == root->end() || !payload->is_string()) {
    return invalid("envelope.payload", "is required and must be a base64 string");
  }
  auto decoded = base64Decode(payload->get<std::string>());
  if (!decoded || decoded->empty()) {
    return invalid("envelope.payload", "is not non-empty canonical base64");
  }
  envelope.payload = std::move(*decoded);
  auto signatures = root->find("signatures");
  if (signatures == root->end() || !signatures->is_array() || signatures->empty()) {
    return fail(ErrorKind::Unprocessable, "unsigned",
                "envelope.signatures: the manifest is not signed (at least one signature is "
                "required)");
  }
  if (signatures->size() > kMaxSignatures) {
    return invalid("envelope.signatures", "more than " + std::to_string(kMaxSignatures));
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < signatures->size(); ++i) {
    std::string path = "envelope.signatures[" + std::to_string(i) + "]";
    const json& entry = (*signatures)[i];
    if (!entry.is_object()) return invalid(path, "must be an object");
    for (const auto& [key, value] : entry.items()) {
      if (key != "keyid" && key != "sig") return invalid(fieldPath(path, key), "unknown field");
    }
    auto keyid = entry.find("keyid");
    if (keyid == entry.end() || !keyid->is_string()) {
      return invalid(path + ".keyid", "is required and must be a string");
    }
    std::string id = keyid->get<std::string>();
    auto raw = hexDecode(id);
    if (!raw || raw->size() != 32 || id != hexEncode(*raw)) {
      return invalid(path + ".keyid", "must be 64 lowercase hex characters");
    }
    if (!seen.insert(id).second) return invalid(path + ".keyid", "duplicate key id");
    auto sig = entry.find("sig");
    if (sig == entry.end() || !sig->is_string()) {
      return invalid(path + ".sig", "is required and must be a base64 string");
    }
    auto sigBytes = base64Decode(sig->get<std::string>());
    if (!sigBytes || sigBytes->size() != 64) {
      return fail(ErrorKind::Unprocessable, "signature_malformed",
                  path + ".sig: must be a base64 Ed25519 signature of 64 bytes");
    }
    envelope.signatures.push_back(EnvelopeSignature{id, std::move(*sigBytes)});
  }
  return envelope;
}

std::string serializeEnvelope(const Envelope& envelope) {
  json root;
  root["payloadType"] = envelope.payloadType;
  root["payload"] = base64Encode(envelope.payload);
  root["signatures"] = json::array();
  for (const auto& s : envelope.signatures) {
    root["signatures"].push_back({{"keyid", s.keyId}, {"sig", base64Encode(s.signature)}});
  }
  return root.dump();
}

}  // namespace stele::images
