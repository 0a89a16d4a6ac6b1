#include "images/registry.h"

#include "common/sha256.h"
#include "images/ed25519.h"
#include "images/envelope.h"
#include "images/naming.h"
#include "images/trust_policy.h"

namespace stele::images {

namespace {

std::string blobProblem(const std::string& name, const std::string& version, const BlobCheck& b) {
  return name + ":" + version + " blob " + b.role + " (" + b.digest + ") is " + b.status + ": " +
         b.reason;
}

}  // namespace

std::int64_t BlobLimits::forRole(std::string_view role) const {
  if (role == "kernel") return kernel;
  if (role == "initrd") return initrd;
  if (role == "disk") return disk;
  return 0;
}

Result<void> Registry::checkSignatures(const std::string& name, const std::string& payloadType,
                                       const std::string& payload,
                                       const std::vector<store::SignatureRecord>& signatures) {
  std::int64_t now = clock_.nowUnix();
  std::vector<store::SigningKeyRecord> signers;
  for (const auto& s : signatures) {
    auto key = keys_.find(s.keyId);
    if (!key) return fail(key.error());
    if (!key->has_value()) {
      return fail(ErrorKind::Unprocessable, "key_unknown",
                  "signing key " + s.keyId + " is not in the trust store");
    }
    if (auto r = checkSigningKey(**key, name, now, KeyUse::NewSignature); !r) return r;
    signers.push_back(**key);
  }
  std::string message = preAuthEncoding(payloadType, payload);
  for (std::size_t i = 0; i < signatures.size(); ++i) {
    if (!verify(signers[i].publicKey, message, signatures[i].signature)) {
      return fail(ErrorKind::Unprocessable, "signature_invalid",
                  "signature by key " + signatures[i].keyId +
                      " does not match the manifest bytes and payload type");
    }
  }
  return {};
}

Result<void> Registry::checkBlobs(const Manifest& manifest) {
  for (const auto& blob : manifest.blobs) {
    std::string path = "manifest.blobs." + blob.role;
    if (blob.size > limits_.forRole(blob.role)) {
      return fail(ErrorKind::Unprocessable, "blob_too_large",
                  path + ".size: " + std::to_string(blob.size) + " bytes is over the " + blob.role +
                      " limit of " + std::to_string(limits_.forRole(blob.role)));
    }
    auto size = blobs_.blobSize(blob.digest);
    if (!size) return fail(size.error());
    if (!size->has_value()) {
      return fail(ErrorKind::Unprocessable, "blob_missing",
                  path + ": blob " + blob.digest + " has not been uploaded");
    }
    if (**size != blob.size) {
      return fail(ErrorKind::Unprocessable, "blob_size_mismatch",
                  path + ".size: manifest says " + std::to_string(blob.size) +
                      " bytes, the stored blob has " + std::to_string(**size));
    }
  }
  return {};
}

Result<PushResult> Registry::pushManifest(const PushRequest& request) {
  if (auto r = validateImageName(request.name); !r) return fail(r.error());
  if (auto r = validateVersion(request.version); !r) return fail(r.error());
  auto envelope = parseEnvelope(request.body);
  if (!envelope) return fail(envelope.error());
  if (envelope->payloadType != kManifestPayloadType) {
    return fail(ErrorKind::Unprocessable, "payload_type_invalid",
                "envelope.payloadType must be \"" + std::string(kManifestPayloadType) + "\"");
  }
  std::vector<store::SignatureRecord> signatures;
  for (const auto& s : envelope->signatures) signatures.push_back({s.keyId, s.signature});
  if (auto r = checkSignatures(request.name, envelope->payloadType, envelope->payload, signatures);
      !r) {
    return fail(r.error());
  }
  auto manifest = parseManifest(envelope->payload);
  if (!manifest) return fail(manifest.error());
  if (manifest->name != request.name || manifest->version != request.version) {
    return fail(ErrorKind::Unprocessable, "name_mismatch",
                "the URL names " + request.name + ":" + request.version + " but the manifest is " +
                    manifest->name + ":" + manifest->version);
  }
  if (auto r = checkBlobs(*manifest); !r) return fail(r.error());
  store::ImageVersionRecord record;
  record.name = manifest->name;
  record.version = manifest->version;
  record.manifest = envelope->payload;
  record.manifestDigest = digestString(sha256(envelope->payload));
  record.payloadType = envelope->payloadType;
  record.pushedAt = clock_.nowUnix();
  record.pushedBy = request.pushedBy;
  record.signatures = std::move(signatures);
  for (const auto& b : manifest->blobs) record.blobs.push_back({b.role, b.digest, b.size});
  auto outcome = images_.insertVersion(record);
  if (!outcome) return fail(outcome.error());
  return PushResult{record.manifestDigest, *outcome == store::InsertOutcome::Inserted};
}

Result<std::vector<store::ImageSummary>> Registry::listImages() { return images_.listImages(); }

Result<std::vector<StoredVersion>> Registry::listVersions(const std::string& name) {
  if (auto r = validateImageName(name); !r) return fail(r.error());
  auto records = images_.listVersions(name);
  if (!records) return fail(records.error());
  if (records->empty()) {
    return fail(ErrorKind::NotFound, "image_not_found", "no image named " + name);
  }
  std::vector<StoredVersion> out;
  for (auto& record : *records) {
    auto manifest = parseManifest(record.manifest);
    if (!manifest) return fail(manifest.error());
    out.push_back(StoredVersion{std::move(record), std::move(*manifest)});
  }
  return out;
}

Result<StoredVersion> Registry::getVersion(const std::string& name, const std::string& version) {
  if (auto r = validateImageName(name); !r) return fail(r.error());
  if (auto r = validateVersion(version); !r) return fail(r.error());
  auto record = images_.findVersion(name, version);
  if (!record) return fail(record.error());
  if (!record->has_value() || (*record)->deletedAt) {
    return fail(ErrorKind::NotFound, "version_not_found",
                "no image version " + name + ":" + version);
  }
  auto manifest = parseManifest((*record)->manifest);
  if (!manifest) return fail(manifest.error());
  return StoredVersion{std::move(**record), std::move(*manifest)};
}

Result<void> Registry::deleteVersion(const std::string& name, const std::string& version) {
  if (auto r = getVersion(name, version); !r) return fail(r.error());
  if (deleteGuard_) {
    if (auto r = deleteGuard_(name, version); !r) return r;
  }
  return images_.markDeleted(name, version, clock_.nowUnix());
}

std::vector<SignatureCheck> Registry::recheckSignatures(const store::ImageVersionRecord& record) {
  std::vector<SignatureCheck> out;
  std::string message = preAuthEncoding(record.payloadType, record.manifest);
  for (const auto& s : record.signatures) {
    auto key = keys_.find(s.keyId);
    std::string status = "valid";
    if (!key || !key->has_value()) {
      status = "key_unknown";
    } else if (auto r =
                   checkSigningKey(**key, record.name, clock_.nowUnix(), KeyUse::ExistingSignature);
               !r) {
      status = r.error().code;
    } else if (!verify((*key)->publicKey, message, s.signature)) {
      status = "signature_invalid";
    }
    out.push_back(SignatureCheck{s.keyId, status});
  }
  return out;
}

Result<VerifyReport> Registry::verifyVersion(const std::string& name, const std::string& version,
                                             BlobProof proof) {
  auto stored = getVersion(name, version);
  if (!stored) return fail(stored.error());
  VerifyReport report{name, version, {}, {}, true, false};
  for (const auto& blob : stored->record.blobs) {
    BlobCheck check{blob.role, blob.digest, blob.size, "ok", "", ""};
    // Whatever is at the blob's path that is not the server's own file is corrupt, by name.
    auto actual = [&]() -> Result<store::BlobInfo> {
      if (proof == BlobProof::Rehash) return blobs_.rehash(blob.digest, blob.size);
      if (auto file = blobs_.checkBlobFile(blob.digest, blob.size); !file)
        return fail(file.error());
      return store::BlobInfo{blob.digest, blob.size};
    }();
    if (!actual) {
      check.status = actual.error().kind == ErrorKind::NotFound ? "missing" : "corrupt";
      check.reason = actual.error().message;
    } else if (actual->digest != blob.digest || actual->size != blob.size) {
      check.status = "corrupt";
      check.actualDigest = actual->digest;
      check.reason = "blob " + blob.digest + " now hashes to " + actual->digest;
    }
    report.blobsIntact = report.blobsIntact && check.status == "ok";
    report.blobs.push_back(std::move(check));
  }
  report.signatures = recheckSignatures(stored->record);
  for (const auto& s : report.signatures) report.trusted = report.trusted || s.status == "valid";
  return report;
}

Result<StoredVersion> Registry::checkDeployable(const std::string& name, const std::string& version,
                                                BlobProof proof) {
  auto report = verifyVersion(name, version, proof);
  if (!report) return fail(report.error());
  if (!report->trusted) {
    return fail(ErrorKind::Unprocessable, "image_untrusted",
                name + ":" + version + " has no valid signature by a key that is not revoked");
  }
  for (const auto& b : report->blobs) {
    if (b.status != "ok") {
      return fail(ErrorKind::Unprocessable, "blob_corrupt", blobProblem(name, version, b));
    }
  }
  return getVersion(name, version);
}

}  // namespace stele::images
