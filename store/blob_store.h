// Content-addressed blob storage with resumable uploads.
//
// An upload is a file DATA/uploads/<id> plus a row in `uploads`; bytes are appended strictly in
// order and hashed as they stream. Its length is the one the row records (committed_bytes):
// a chunk is written at the file's end as it arrives and counts once finish() records it; a
// chunk that fails is cut off again, and one a crash cut short is cut at the next open.
// Commit checks the digest, fsyncs, and renames the file to
// DATA/blobs/sha256/<xx>/<hex>: a blob exists exactly when its final file does, so a crash
// never leaves a half-written blob visible.
//
// An upload belongs to the token that opened it: for any other caller it does not exist. Each
// token may hold a bounded number of open uploads, and an upload that receives no chunk for
// the idle timeout expires: sweepExpired() (run at open and periodically) removes its row and
// its file. The state lives in SQLite, so expiry survives a restart.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "common/random.h"
#include "common/sha256.h"
#include "store/database.h"
#include "store/trusted_file.h"

namespace stele::store {

struct UploadPolicy {
  std::int64_t maxPerOwner = 16;           // open uploads per token
  std::int64_t idleTimeoutMs = 3'600'000;  // no chunk for this long: the upload expires
};

struct UploadStatus {
  std::string id;
  std::string kind;
  std::int64_t offset = 0;  // bytes received so far; the next chunk must start here
  std::int64_t maxBytes = 0;
  std::string owner;  // id of the token that opened it
  std::int64_t createdAtMs = 0;
  std::int64_t lastActivityMs = 0;  // start or the last appended chunk
  std::int64_t expiresAtMs = 0;     // lastActivityMs + the idle timeout
};

// Who asks about an upload. Only the token that opened an upload sees it; a caller with
// `anyOwner` (an admin listing or cancelling) sees every upload.
struct UploadCaller {
  std::string tokenId;
  bool anyOwner = false;
};

struct BlobInfo {
  std::string digest;  // "sha256:<hex>"
  std::int64_t size = 0;
};

class BlobStore;

// One chunk of an upload taken as it arrives: its bytes go straight to the upload file's end
// (written once) and into the running hash; finish() records the new length. Until then the
// upload keeps its previous offset, so a lost connection or a crash mid-chunk leaves only whole
// chunks: the bytes past the record are cut (ftruncate) when the chunk is abandoned, and at
// the next open after a crash.
class UploadChunk {
 public:
  ~UploadChunk();  // unfinished: the upload file is cut back to its previous length
  UploadChunk(const UploadChunk&) = delete;
  UploadChunk& operator=(const UploadChunk&) = delete;
  // InvalidArgument when the bytes pass the chunk's declared length.
  Result<void> write(std::string_view bytes);
  // InvalidArgument unless exactly the declared length was written.
  Result<UploadStatus> finish();

 private:
  friend class BlobStore;
  struct State;
  explicit UploadChunk(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

class BlobStore {
 public:
  // Creates DATA/blobs and DATA/uploads as needed and cleans what a crash left behind.
  static Result<std::unique_ptr<BlobStore>> open(const std::string& dataDir, Database& db,
                                                 const Clock& clock, Random& random,
                                                 UploadPolicy policy = {});
  ~BlobStore();

  // TooManyRequests "too_many_uploads" when `owner` already holds the policy's maximum.
  Result<UploadStatus> startUpload(const std::string& kind, std::int64_t maxBytes,
                                   const std::string& owner);
  // Every call below answers NotFound "upload_not_found" for an upload the caller may not see,
  // exactly as for one that never existed, and for one that has expired.
  Result<UploadStatus> status(const std::string& uploadId, const UploadCaller& caller);
  // RangeNotSatisfiable when `offset` is not the current end; TooLarge (and the upload is
  // discarded) when the upload would pass its limit.
  Result<UploadStatus> append(const std::string& uploadId, const UploadCaller& caller,
                              std::int64_t offset, std::string_view bytes);
  // The same checks as append, for a chunk of `length` bytes that will arrive in pieces;
  // Conflict (upload_busy) while another chunk of this upload is arriving.
  Result<std::unique_ptr<UploadChunk>> openChunk(const std::string& uploadId,
                                                 const UploadCaller& caller, std::int64_t offset,
                                                 std::int64_t length);
  // InvalidArgument (and the upload is discarded) when the content does not hash to `digest`.
  Result<BlobInfo> commit(const std::string& uploadId, const UploadCaller& caller,
                          const std::string& digest);
  Result<void> cancel(const std::string& uploadId, const UploadCaller& caller);
  // The uploads the caller may see, oldest first.
  Result<std::vector<UploadStatus>> listUploads(const UploadCaller& caller);
  // Removes every upload idle for the policy's timeout (row and file); returns how many.
  Result<std::int64_t> sweepExpired();
  const UploadPolicy& policy() const { return policy_; }

  // Size of a committed blob, or nullopt when absent; Unprocessable "blob_corrupt" naming the
  // blob and why when what is at its path is not the server's own file (see trusted_file.h).
  Result<std::optional<std::int64_t>> blobSize(const std::string& digest);
  // Reads the blob back from disk and returns what it hashes to now. NotFound "blob_not_found"
  // when absent; Unprocessable "blob_corrupt" when it is not the server's own file or its size
  // is not `expectedSize` (then nothing is read).
  Result<BlobInfo> rehash(const std::string& digest, std::int64_t expectedSize);
  // The checks of rehash() without reading the bytes: the server's own file, of that size.
  // For callers that hash the bytes themselves as they read them (the deploy copy).
  Result<void> checkBlobFile(const std::string& digest, std::int64_t expectedSize);
  std::string blobPath(const std::string& digest) const;

 private:
  friend class UploadChunk;
  struct Session;
  BlobStore(std::string dataDir, Database& db, const Clock& clock, Random& random,
            UploadPolicy policy);
  Result<void> recover();
  // The session of an upload, whoever owns it.
  Result<std::shared_ptr<Session>> session(const std::string& uploadId);
  // The session, if `caller` may see it.
  Result<std::shared_ptr<Session>> ownedSession(const std::string& uploadId,
                                                const UploadCaller& caller);
  UploadStatus describe(const Session& session, const std::string& uploadId,
                        std::int64_t offset) const;
  void discard(const std::string& uploadId);
  // The upload's current length (recorded, at most the file's); NotFound once it is gone or
  // expired (then it is discarded). Caller holds the session lock.
  Result<std::int64_t> liveSize(const Session& session, const std::string& uploadId);
  // Makes the running hash cover the first `size` bytes of the file at `path`.
  Result<void> catchUpHash(Session& session, const std::string& uploadId, std::int64_t size);
  std::string uploadPath(const std::string& uploadId) const;
  static std::string uploadRelative(const std::string& uploadId);
  static std::string blobRelative(const std::string& digest);
  // The upload's file, trusted (see trusted_file.h); an impostor discards the upload.
  Result<TrustedFile> openUpload(const std::string& uploadId, OpenFor purpose);
  // The upload's file, trusted, for writes at explicit offsets, cut to `length` bytes if a
  // failed chunk left more.
  Result<TrustedFile> openForWriting(const std::string& uploadId, std::int64_t length);
  Result<TrustedFile> openBlob(const std::string& digest);
  Result<TrustedFile> openBlobOfSize(const std::string& digest, std::int64_t expectedSize);

  std::string dataDir_;
  Database& db_;
  const Clock& clock_;
  Random& random_;
  UploadPolicy policy_;
  std::mutex sessionsMutex_;
  std::map<std::string, std::shared_ptr<Session>> sessions_;
};

}  // namespace stele::store
