#include "store/blob_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "common/crashpoint.h"
#include "store/file_io.h"
#include "store/trailing_hasher.h"
#include "store/trusted_file.h"

namespace stele::store {
namespace {

bool isUploadId(std::string_view id) {
  if (id.size() != 32) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Result<void> checkDigest(const std::string& digest) {
  if (isDigestString(digest)) return {};
  return fail(ErrorKind::InvalidArgument, "digest_invalid",
              "digest must be sha256: followed by 64 lowercase hex characters");
}

std::unexpected<Error> noUpload(const std::string& id) {
  return fail(ErrorKind::NotFound, "upload_not_found",
              "no upload " + id + " (finished, cancelled, discarded, or never started)");
}

std::unexpected<Error> uploadBusy(const std::string& id) {
  return fail(ErrorKind::Conflict, "upload_busy",
              "another chunk of upload " + id + " is still arriving; retry when it is done");
}

}  // namespace

// In-memory state of one upload: the running hash and how far it has read. After a restart
// it is rebuilt by hashing the partial file once.
struct BlobStore::Session {
  std::mutex mutex;
  std::string kind;
  std::int64_t maxBytes = 0;
  std::string owner;
  std::int64_t createdAtMs = 0;
  std::int64_t lastActivityMs = 0;
  std::int64_t committed = 0;  // the length recorded in the row: whole chunks only
  Sha256 hasher;
  std::int64_t hashed = 0;
  bool gone = false;
  bool writing = false;  // an UploadChunk holds the hasher
};

BlobStore::BlobStore(std::string dataDir, Database& db, const Clock& clock, Random& random,
                     UploadPolicy policy)
    : dataDir_(std::move(dataDir)), db_(db), clock_(clock), random_(random), policy_(policy) {}
BlobStore::~BlobStore() = default;

Result<std::unique_ptr<BlobStore>> BlobStore::open(const std::string& dataDir, Database& db,
                                                   const Clock& clock, Random& random,
                                                   UploadPolicy policy) {
  std::unique_ptr<BlobStore> store(new BlobStore(dataDir, db, clock, random, policy));
  for (const char* sub : {"/blobs", "/blobs/sha256", "/uploads"}) {
    if (auto r = ensurePrivateDirectory(dataDir + sub, LinkPolicy::Refuse); !r)
      return fail(r.error());
  }
  if (auto r = store->recover(); !r) return fail(r.error());
  return store;
}

std::string BlobStore::uploadPath(const std::string& id) const {
  return dataDir_ + "/" + uploadRelative(id);
}

std::string BlobStore::blobPath(const std::string& digest) const {
  return dataDir_ + "/" + blobRelative(digest);
}

std::string BlobStore::uploadRelative(const std::string& id) { return "uploads/" + id; }

std::string BlobStore::blobRelative(const std::string& digest) {
  std::string hex = digest.substr(7);
  return "blobs/sha256/" + hex.substr(0, 2) + "/" + hex;
}

Result<TrustedFile> BlobStore::openUpload(const std::string& id, OpenFor purpose) {
  auto file = openTrustedFile(dataDir_, uploadRelative(id), purpose);
  if (!file && file.error().code == "file_untrusted") {
    discard(id);
    return fail(ErrorKind::Internal, "upload_untrusted",
                "upload " + id + ": " + file.error().message +
                    " (not the file the server wrote); the upload was discarded");
  }
  return file;
}

Result<TrustedFile> BlobStore::openBlob(const std::string& digest) {
  auto file = openTrustedFile(dataDir_, blobRelative(digest));
  if (file) return file;
  if (file.error().code == "file_missing") {
    return fail(ErrorKind::NotFound, "blob_not_found", "blob " + digest + " is missing on disk");
  }
  if (file.error().code == "file_untrusted") {
    return fail(ErrorKind::Unprocessable, "blob_corrupt",
                "blob " + digest + ": " + file.error().message);
  }
  return fail(file.error());
}

Result<void> BlobStore::recover() {
  auto rows = db_.query("SELECT id, committed_bytes FROM uploads");
  if (!rows) return fail(rows.error());
  for (const auto& row : *rows) {
    std::string id = row.text(0);
    auto file = openUpload(id, OpenFor::Writing);  // an impostor is discarded here
    if (!file) {
      if (file.error().code == "file_missing") discard(id);
      continue;
    }
    // A crash mid-chunk left that chunk's first bytes past the recorded length: cut them. A
    // file shorter than its record (a power cut before its pages reached the disk) resumes
    // from what it holds. NULL: a row from before the column, when the file's length counted.
    std::int64_t recorded = row.isNull(1) ? file->size : std::min(row.integer(1), file->size);
    if (file->size > recorded && ::ftruncate(file->fd.get(), recorded) != 0) {
      return fail(ErrorKind::Internal, "io_failed", "cannot cut upload " + id + " back");
    }
    if (row.isNull(1) || recorded != row.integer(1)) {
      auto r = db_.execute("UPDATE uploads SET committed_bytes = ? WHERE id = ?", {recorded, id});
      if (!r) return fail(r.error());
    }
  }
  // Files without a row were started but never recorded, or their row was discarded.
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dataDir_ + "/uploads", ec)) {
    std::string name = entry.path().filename().string();
    auto known = db_.query("SELECT 1 FROM uploads WHERE id = ?", {name});
    if (known && known->empty()) std::filesystem::remove(entry.path(), ec);
  }
  // Uploads that went idle while the server was down.
  if (auto swept = sweepExpired(); !swept) return fail(swept.error());
  return {};
}

Result<UploadStatus> BlobStore::startUpload(const std::string& kind, std::int64_t maxBytes,
                                            const std::string& owner) {
  std::string id = random_.hexBytes(16);
  int fd = ::open(uploadPath(id).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return fail(ErrorKind::Internal, "io_failed", "cannot create upload file");
  ::close(fd);
  std::int64_t now = clock_.nowMs();
  auto r = db_.transaction([&](Database& tx) -> Result<void> {
    auto open = tx.query("SELECT COUNT(*) FROM uploads WHERE owner = ?", {owner});
    if (!open) return fail(open.error());
    if (open->front().integer(0) >= policy_.maxPerOwner) {
      return fail(ErrorKind::TooManyRequests, "too_many_uploads",
                  "this token already has " + std::to_string(open->front().integer(0)) +
                      " open uploads, the most it may hold (--max-uploads-per-token " +
                      std::to_string(policy_.maxPerOwner) +
                      "); commit or cancel one (GET /v1/blobs/uploads lists them)");
    }
    auto inserted = tx.execute(
        "INSERT INTO uploads (id, kind, max_bytes, created_at, owner, last_activity_ms, "
        "committed_bytes) VALUES (?, ?, ?, ?, ?, ?, 0)",
        {id, kind, maxBytes, now / 1000, owner, now});
    if (!inserted) return fail(inserted.error());
    return {};
  });
  if (!r) {
    std::remove(uploadPath(id).c_str());
    return fail(r.error());
  }
  Session fresh;
  fresh.kind = kind;
  fresh.maxBytes = maxBytes;
  fresh.owner = owner;
  fresh.createdAtMs = now / 1000 * 1000;
  fresh.lastActivityMs = now;
  return describe(fresh, id, 0);
}

Result<std::shared_ptr<BlobStore::Session>> BlobStore::session(const std::string& id) {
  if (!isUploadId(id)) return noUpload(id);
  std::lock_guard lock(sessionsMutex_);
  if (auto it = sessions_.find(id); it != sessions_.end()) return it->second;
  auto rows = db_.query(
      "SELECT kind, max_bytes, owner, created_at, last_activity_ms, committed_bytes FROM uploads "
      "WHERE id = ?",
      {id});
  if (!rows) return fail(rows.error());
  if (rows->empty()) return noUpload(id);
  auto s = std::make_shared<Session>();
  const Row& row = rows->front();
  s->kind = row.text(0);
  s->maxBytes = row.integer(1);
  s->owner = row.text(2);
  s->createdAtMs = row.integer(3) * 1000;
  s->lastActivityMs = row.integer(4);
  s->committed = row.integer(5);
  sessions_.emplace(id, s);
  return s;
}

Result<std::shared_ptr<BlobStore::Session>> BlobStore::ownedSession(const std::string& id,
                                                                    const UploadCaller& caller) {
  auto s = session(id);
  if (!s) return s;
  // Someone else's upload answers exactly like a missing one, so its existence does not leak.
  if (!caller.anyOwner && (*s)->owner != caller.tokenId) return noUpload(id);
  return s;
}

UploadStatus BlobStore::describe(const Session& s, const std::string& id,
                                 std::int64_t offset) const {
  return UploadStatus{
      id,      s.kind,        offset,           s.maxBytes,
      s.owner, s.createdAtMs, s.lastActivityMs, s.lastActivityMs + policy_.idleTimeoutMs};
}

void BlobStore::discard(const std::string& id) {
  std::remove(uploadPath(id).c_str());
  (void)db_.execute("DELETE FROM uploads WHERE id = ?", {id});
  std::lock_guard lock(sessionsMutex_);
  if (auto it = sessions_.find(id); it != sessions_.end()) {
    it->second->gone = true;
    sessions_.erase(it);
  }
}

Result<std::int64_t> BlobStore::liveSize(const Session& s, const std::string& id) {
  if (s.gone) return noUpload(id);
  if (clock_.nowMs() - s.lastActivityMs >= policy_.idleTimeoutMs) {
    discard(id);  // expired; the sweeper has not come by yet
    return noUpload(id);
  }
  auto file = openUpload(id, OpenFor::Reading);
  if (!file && file.error().code == "file_missing") return noUpload(id);
  if (!file) return fail(file.error());
  // Past the record: a chunk arriving (or one that failed, cut at the next use). Never more
  // than the file holds.
  return std::min(s.committed, file->size);
}

Result<TrustedFile> BlobStore::openForWriting(const std::string& id, std::int64_t length) {
  auto file = openUpload(id, OpenFor::Writing);
  if (!file) return file;
  if (file->size > length) {
    if (::ftruncate(file->fd.get(), length) != 0) {
      return fail(ErrorKind::Internal, "io_failed", "cannot cut upload " + id + " back");
    }
    file->size = length;
  }
  return file;
}

Result<void> BlobStore::catchUpHash(Session& s, const std::string& id, std::int64_t size) {
  if (s.hashed == size) return {};
  // First use after a restart, after a failed write, or after a failed commit: the running
  // hash no longer covers the file, so read it once from the start.
  s.hasher = Sha256();
  auto file = openUpload(id, OpenFor::Reading);
  if (!file) return fail(file.error());
  auto hashed = hashFd(file->fd.get(), s.hasher, uploadRelative(id), size);
  if (!hashed) return fail(hashed.error());
  s.hashed = *hashed;
  return {};
}

Result<UploadStatus> BlobStore::status(const std::string& id, const UploadCaller& caller) {
  auto s = ownedSession(id, caller);
  if (!s) return fail(s.error());
  std::lock_guard lock((*s)->mutex);
  auto size = liveSize(**s, id);
  if (!size) return fail(size.error());
  return describe(**s, id, *size);
}

Result<UploadStatus> BlobStore::append(const std::string& id, const UploadCaller& caller,
                                       std::int64_t offset, std::string_view bytes) {
  auto chunk = openChunk(id, caller, offset, static_cast<std::int64_t>(bytes.size()));
  if (!chunk) return fail(chunk.error());
  if (auto r = (*chunk)->write(bytes); !r) return fail(r.error());
  return (*chunk)->finish();
}

struct UploadChunk::State {
  BlobStore& store;
  std::shared_ptr<BlobStore::Session> session;
  std::string id;
  Fd fd;  // the upload file, trusted when opened
  std::int64_t offset = 0;
  std::int64_t length = 0;
  std::int64_t written = 0;
  std::int64_t flushed = 0;                   // bytes of the chunk whose writeback has been started
  std::unique_ptr<TrailingHasher> hashing{};  // the upload's running hash, trailing the writes
  bool finished = false;

  // Starts writeback of what was written since the last call, once there is enough of it (or
  // all of it with `rest`): the disk works while more arrives, and the commit's fsync finds
  // little left to do. Only a hint: durability still comes from that fsync.
  void startWriteback(bool rest) {
    constexpr std::int64_t kStep = std::int64_t{4} << 20;
    if (written - flushed < (rest ? 1 : kStep)) return;
    (void)::sync_file_range(fd.get(), offset + flushed, written - flushed, SYNC_FILE_RANGE_WRITE);
    flushed = written;
  }
};

Result<std::unique_ptr<UploadChunk>> BlobStore::openChunk(const std::string& id,
                                                          const UploadCaller& caller,
                                                          std::int64_t offset,
                                                          std::int64_t length) {
  auto found = ownedSession(id, caller);
  if (!found) return fail(found.error());
  Session& s = **found;
  std::lock_guard lock(s.mutex);
  auto size = liveSize(s, id);
  if (!size) return fail(size.error());
  std::int64_t current = *size;
  if (offset != current) {
    return fail(ErrorKind::RangeNotSatisfiable, "chunk_out_of_order",
                "chunk starts at byte " + std::to_string(offset) + " but the upload has " +
                    std::to_string(current) + " bytes; resume from byte " +
                    std::to_string(current));
  }
  if (length > s.maxBytes - current) {
    discard(id);
    return fail(ErrorKind::TooLarge, "upload_too_large",
                "upload would reach " + std::to_string(current + length) + " bytes, over the " +
                    s.kind + " limit of " + std::to_string(s.maxBytes) +
                    " bytes; the upload was discarded");
  }
  if (s.writing) return uploadBusy(id);
  if (auto r = catchUpHash(s, id, current); !r) return fail(r.error());
  auto file = openForWriting(id, current);
  if (!file) return fail(file.error());
  auto state = std::make_unique<UploadChunk::State>(
      UploadChunk::State{*this, *found, id, std::move(file->fd), offset, length});
  state->hashing = std::make_unique<TrailingHasher>(state->fd.get(), offset, std::move(s.hasher));
  s.hasher = Sha256();
  s.hashed = -1;  // the chunk holds the hash until it finishes
  s.writing = true;
  return std::unique_ptr<UploadChunk>(new UploadChunk(std::move(state)));
}

UploadChunk::UploadChunk(std::unique_ptr<State> state) : state_(std::move(state)) {}

UploadChunk::~UploadChunk() {
  if (state_->finished) return;
  state_->hashing.reset();
  // The upload keeps its previous length; if this fails, the next chunk or the commit cuts.
  (void)::ftruncate(state_->fd.get(), state_->offset);
  std::lock_guard lock(state_->session->mutex);
  state_->session->writing = false;  // the hash is rebuilt from the file on next use
}

Result<void> UploadChunk::write(std::string_view bytes) {
  State& c = *state_;
  if (static_cast<std::int64_t>(bytes.size()) > c.length - c.written) {
    return fail(ErrorKind::InvalidArgument, "content_range_mismatch",
                "the chunk has more bytes than its Content-Range says");
  }
  std::size_t done = 0;
  while (done < bytes.size()) {
    auto at = static_cast<off_t>(c.offset + c.written + static_cast<std::int64_t>(done));
    ssize_t n = ::pwrite(c.fd.get(), bytes.data() + done, bytes.size() - done, at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail(ErrorKind::Internal, "io_failed", "cannot write upload file");
    done += static_cast<std::size_t>(n);
  }
  crashpoint("chunk-write");  // bytes past the recorded length, as a crash mid-chunk leaves
  c.written += static_cast<std::int64_t>(bytes.size());
  c.hashing->advance(c.offset + c.written);
  c.startWriteback(false);
  return {};
}

Result<UploadStatus> UploadChunk::finish() {
  State& c = *state_;
  if (c.written != c.length) {
    return fail(ErrorKind::InvalidArgument, "content_range_mismatch",
                "Content-Range covers " + std::to_string(c.length) + " bytes but " +
                    std::to_string(c.written) + " arrived");
  }
  auto hash = c.hashing->finish();
  if (!hash) return fail(hash.error());
  BlobStore::Session& s = *c.session;
  std::lock_guard lock(s.mutex);
  auto size = c.store.liveSize(s, c.id);
  if (!size) return fail(size.error());
  if (*size != c.offset) {
    return fail(ErrorKind::Internal, "io_failed", "upload file changed under a chunk");
  }
  c.startWriteback(true);
  // The bytes are in the file already; recording the new length makes them count.
  std::int64_t end = c.offset + c.length;
  std::int64_t now = c.store.clock_.nowMs();
  if (auto r = c.store.db_.execute(
          "UPDATE uploads SET last_activity_ms = ?, committed_bytes = ? WHERE id = ?",
          {now, end, c.id});
      !r) {
    return fail(r.error());
  }
  s.lastActivityMs = now;
  s.committed = end;
  s.hasher = std::move(*hash);
  s.hashed = end;
  s.writing = false;
  c.finished = true;
  c.fd = Fd();
  return c.store.describe(s, c.id, end);
}

Result<BlobInfo> BlobStore::commit(const std::string& id, const UploadCaller& caller,
                                   const std::string& digest) {
  if (auto r = checkDigest(digest); !r) return fail(r.error());
  auto found = ownedSession(id, caller);
  if (!found) return fail(found.error());
  Session& s = **found;
  std::lock_guard lock(s.mutex);
  auto size = liveSize(s, id);
  if (!size) return fail(size.error());
  if (s.writing) return uploadBusy(id);
  std::string path = uploadPath(id);
  auto file = openForWriting(id, *size);  // the blob is the recorded length, no tail
  if (!file) return fail(file.error());
  if (auto r = catchUpHash(s, id, *size); !r) return fail(r.error());
  std::string actual = digestString(s.hasher.finish());
  std::int64_t length = s.hashed;
  s.hashed = -1;
  if (actual != digest) {
    discard(id);
    return fail(ErrorKind::InvalidArgument, "digest_mismatch",
                "uploaded " + std::to_string(length) + " bytes hash to " + actual +
                    ", not the expected " + digest + "; the upload was discarded");
  }
  if (::fsync(file->fd.get()) != 0) {
    return fail(ErrorKind::Internal, "io_failed", "cannot fsync upload " + id);
  }
  std::string target = blobPath(digest);
  std::string dir = std::filesystem::path(target).parent_path().string();
  if (auto r = makeDirectories(dir, 0700); !r) return fail(r.error());
  crashpoint("blob-commit");
  // The same content is already stored, unless what is there is not the server's own file
  // of that size: then the upload replaces it (rename swaps a link, not its target).
  auto existing = openBlob(digest);
  if (existing && existing->size == length) {
    std::remove(path.c_str());
  } else if (::rename(path.c_str(), target.c_str()) != 0) {
    return fail(ErrorKind::Internal, "io_failed", "cannot move upload into the blob store");
  }
  if (auto r = fsyncPath(dir); !r) return fail(r.error());
  discard(id);
  return BlobInfo{digest, length};
}

Result<void> BlobStore::cancel(const std::string& id, const UploadCaller& caller) {
  auto found = ownedSession(id, caller);
  if (!found) return fail(found.error());
  std::lock_guard lock((*found)->mutex);
  if (auto size = liveSize(**found, id); !size) return fail(size.error());
  discard(id);
  return {};
}

Result<std::vector<UploadStatus>> BlobStore::listUploads(const UploadCaller& caller) {
  std::string sql = "SELECT id FROM uploads";
  std::vector<Value> params;
  if (!caller.anyOwner) {
    sql += " WHERE owner = ?";
    params.emplace_back(caller.tokenId);
  }
  auto rows = db_.query(sql + " ORDER BY created_at, id", params);
  if (!rows) return fail(rows.error());
  std::vector<UploadStatus> out;
  for (const auto& row : *rows) {
    // A row may go (committed, cancelled, expired) between the query and here: skip it.
    if (auto upload = status(row.text(0), caller)) out.push_back(std::move(*upload));
  }
  return out;
}

Result<std::int64_t> BlobStore::sweepExpired() {
  auto rows = db_.query("SELECT id FROM uploads WHERE last_activity_ms <= ?",
                        {clock_.nowMs() - policy_.idleTimeoutMs});
  if (!rows) return fail(rows.error());
  std::int64_t removed = 0;
  for (const auto& row : *rows) {
    std::string id = row.text(0);
    auto found = session(id);
    if (!found) continue;  // already gone
    // Under the session lock no chunk is half-written, and lastActivityMs is current.
    std::lock_guard lock((*found)->mutex);
    if ((*found)->gone || clock_.nowMs() - (*found)->lastActivityMs < policy_.idleTimeoutMs)
      continue;
    discard(id);
    ++removed;
  }
  return removed;
}

Result<std::optional<std::int64_t>> BlobStore::blobSize(const std::string& digest) {
  if (auto r = checkDigest(digest); !r) return fail(r.error());
  auto file = openBlob(digest);
  if (file) return std::optional<std::int64_t>(file->size);
  if (file.error().kind == ErrorKind::NotFound) return std::optional<std::int64_t>();
  return fail(file.error());
}

Result<TrustedFile> BlobStore::openBlobOfSize(const std::string& digest,
                                              std::int64_t expectedSize) {
  if (auto r = checkDigest(digest); !r) return fail(r.error());
  auto file = openBlob(digest);
  if (!file) return fail(file.error());
  if (file->size != expectedSize) {
    return fail(ErrorKind::Unprocessable, "blob_corrupt",
                "blob " + digest + " has " + std::to_string(file->size) + " bytes, not " +
                    std::to_string(expectedSize));
  }
  return file;
}

Result<BlobInfo> BlobStore::rehash(const std::string& digest, std::int64_t expectedSize) {
  auto file = openBlobOfSize(digest, expectedSize);
  if (!file) return fail(file.error());
  Sha256 hasher;
  auto read = hashFd(file->fd.get(), hasher, blobRelative(digest));
  if (!read) return fail(read.error());
  return BlobInfo{digestString(hasher.finish()), *read};
}

Result<void> BlobStore::checkBlobFile(const std::string& digest, std::int64_t expectedSize) {
  auto file = openBlobOfSize(digest, expectedSize);
  if (!file) return fail(file.error());
  return {};
}

}  // namespace stele::store
