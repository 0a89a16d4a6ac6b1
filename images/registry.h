// The image registry: accepts signed manifests, lists versions, verifies what is stored.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "images/manifest.h"
#include "store/blob_store.h"
#include "store/image_repository.h"
#include "store/key_repository.h"

namespace stele::images {

struct BlobLimits {
  std::int64_t kernel = 64ll << 20;
  std::int64_t initrd = 512ll << 20;
  std::int64_t disk = 512ll << 20;
  // The limit for a blob role; 0 for an unknown role.
  std::int64_t forRole(std::string_view role) const;
};

struct PushRequest {
  std::string name;      // from the URL
  std::string version;   // from the URL
  std::string body;      // the envelope
  std::string pushedBy;  // token id
};

struct PushResult {
  std::string manifestDigest;
  bool created = false;  // false: the same bytes were there already
};

struct StoredVersion {
  store::ImageVersionRecord record;
  Manifest manifest;
};

struct BlobCheck {
  std::string role;
  std::string digest;
  std::int64_t size = 0;
  std::string status;  // ok | corrupt | missing
  std::string actualDigest;
  std::string reason;  // why it is corrupt or missing, naming the blob
};

struct SignatureCheck {
  std::string keyId;
  std::string status;  // valid | key_revoked | key_unknown | key_not_allowed | signature_invalid
};

struct VerifyReport {
  std::string name;
  std::string version;
  std::vector<BlobCheck> blobs;
  std::vector<SignatureCheck> signatures;
  bool blobsIntact = true;
  bool trusted = false;  // at least one valid signature by a key that is not revoked
  bool ok() const { return blobsIntact && trusted; }
};

// How verifyVersion proves a blob intact. Rehash reads every byte back. FileOnly checks that
// the server's own file of the right size is there and leaves the hash to a caller that reads
// the bytes anyway: the deploy copy hashes while it copies (hypervisor/instance_files.h).
enum class BlobProof { Rehash, FileOnly };

class Registry {
 public:
  Registry(store::ImageRepository& images, store::KeyRepository& keys, store::BlobStore& blobs,
           const Clock& clock, BlobLimits limits)
      : images_(images), keys_(keys), blobs_(blobs), clock_(clock), limits_(limits) {}

  // Checks, in order: envelope shape; each signer known, active, in its validity window and
  // allowed for the name; each signature valid; the manifest valid; URL name and version equal
  // the manifest's; every blob present with its size; then stores it in one transaction.
  Result<PushResult> pushManifest(const PushRequest& request);
  Result<std::vector<store::ImageSummary>> listImages();
  Result<std::vector<StoredVersion>> listVersions(const std::string& name);
  Result<StoredVersion> getVersion(const std::string& name, const std::string& version);
  Result<void> deleteVersion(const std::string& name, const std::string& version);
  // Re-hashes every blob on disk (or, with FileOnly, checks its file) and re-checks every
  // signature against the trust store now.
  Result<VerifyReport> verifyVersion(const std::string& name, const std::string& version,
                                     BlobProof proof = BlobProof::Rehash);
  // The deploy gate: NotFound/Unprocessable unless the version is intact and trusted now.
  Result<StoredVersion> checkDeployable(const std::string& name, const std::string& version,
                                        BlobProof proof = BlobProof::Rehash);

  const BlobLimits& limits() const { return limits_; }
  // Asked before a version is deleted; an error (e.g. Conflict "image_in_use") refuses it.
  using DeleteGuard =
      std::function<Result<void>(const std::string& name, const std::string& version)>;
  void setDeleteGuard(DeleteGuard guard) { deleteGuard_ = std::move(guard); }

 private:
  Result<void> checkSignatures(const std::string& name, const std::string& payloadType,
                               const std::string& payload,
                               const std::vector<store::SignatureRecord>& signatures);
  Result<void> checkBlobs(const Manifest& manifest);
  std::vector<SignatureCheck> recheckSignatures(const store::ImageVersionRecord& record);

  store::ImageRepository& images_;
  store::KeyRepository& keys_;
  store::BlobStore& blobs_;
  const Clock& clock_;
  BlobLimits limits_;
  DeleteGuard deleteGuard_;
};

}  // namespace stele::images
