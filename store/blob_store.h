// Content-addressed blob storage with resumable uploads.
//
// An upload is a file DATA/uploads/<id> plus a row in `uploads`; bytes are appended strictly in
// order and hashed as they stream. Commit checks the digest, fsyncs, and renames the file to
// DATA/blobs/sha256/<xx>/<hex>: a blob exists exactly when its final file does, so a crash
// never leaves a half-written blob visible.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/error.h"
#include "common/random.h"
#include "common/sha256.h"
#include "store/database.h"

namespace stele::store {

struct UploadStatus {
  std::string id;
  std::string kind;
  std::int64_t offset = 0;  // bytes received so far; the next chunk must start here
  std::int64_t maxBytes = 0;
};

struct BlobInfo {
  std::string digest;  // "sha256:<hex>"
  std::int64_t size = 0;
};

class BlobStore;

// One chunk of an upload taken as it arrives: its bytes go to a side file (uploads/<id>.chunk)
// and into the running hash; finish() joins them to the upload. Until then the upload keeps
// its previous offset, so a lost connection or a crash mid-chunk leaves only whole chunks.
class UploadChunk {
 public:
  ~UploadChunk();  // unfinished: the side file is removed
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
                                                 const Clock& clock, Random& random);
  ~BlobStore();

  Result<UploadStatus> startUpload(const std::string& kind, std::int64_t maxBytes);
  Result<UploadStatus> status(const std::string& uploadId);
  // RangeNotSatisfiable when `offset` is not the current end; TooLarge (and the upload is
  // discarded) when the upload would pass its limit.
  Result<UploadStatus> append(const std::string& uploadId, std::int64_t offset,
                              std::string_view bytes);
  // The same checks as append, for a chunk of `length` bytes that will arrive in pieces;
  // Conflict (upload_busy) while another chunk of this upload is arriving.
  Result<std::unique_ptr<UploadChunk>> openChunk(const std::string& uploadId, std::int64_t offset,
                                                 std::int64_t length);
  // InvalidArgument (and the upload is discarded) when the content does not hash to `digest`.
  Result<BlobInfo> commit(const std::string& uploadId, const std::string& digest);
  Result<void> cancel(const std::string& uploadId);

  // Size of a committed blob, or nullopt when absent.
  Result<std::optional<std::int64_t>> blobSize(const std::string& digest);
  // Reads the blob back from disk and returns what it hashes to now.
  Result<BlobInfo> rehash(const std::string& digest);
  std::string blobPath(const std::string& digest) const;

 private:
  friend class UploadChunk;
  struct Session;
  BlobStore(std::string dataDir, Database& db, const Clock& clock, Random& random);
  Result<void> recover();
  Result<std::shared_ptr<Session>> session(const std::string& uploadId);
  void discard(const std::string& uploadId);
  // The upload's current length; NotFound once it is gone. Caller holds the session lock.
  Result<std::int64_t> liveSize(const Session& session, const std::string& uploadId);
  // Makes the running hash cover the first `size` bytes of the file at `path`.
  Result<void> catchUpHash(Session& session, const std::string& path, std::int64_t size);
  std::string uploadPath(const std::string& uploadId) const;

  std::string dataDir_;
  Database& db_;
  const Clock& clock_;
  Random& random_;
  std::mutex sessionsMutex_;
  std::map<std::string, std::shared_ptr<Session>> sessions_;
};

}  // namespace stele::store
