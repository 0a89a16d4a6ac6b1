#include "store/blob_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "common/crashpoint.h"
#include "store/file_io.h"

namespace stele::store {
namespace {

constexpr std::int64_t kAbandonedUploadSeconds = std::int64_t{7} * 24 * 3600;

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

// Appends the whole of file `from` to file `to`, which is `at` bytes long, in the kernel.
Result<void> appendFileContents(int from, const std::string& to, std::int64_t at) {
  int out = ::open(to.c_str(), O_WRONLY | O_CLOEXEC);
  if (out < 0) return fail(ErrorKind::Internal, "io_failed", "cannot open upload file");
  loff_t in = 0;
  auto outOffset = static_cast<loff_t>(at);
  bool ok = true;
  for (;;) {
    ssize_t n = ::copy_file_range(from, &in, out, &outOffset, std::size_t{1} << 30, 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      ok = false;
      break;
    }
  }
  if (::close(out) != 0) ok = false;
  if (!ok) return fail(ErrorKind::Internal, "io_failed", "cannot append chunk to upload file");
  return {};
}

}  // namespace

// In-memory state of one upload: the running hash and how far it has read. After a restart
// it is rebuilt by hashing the partial file once.
struct BlobStore::Session {
  std::mutex mutex;
  std::string kind;
  std::int64_t maxBytes = 0;
  Sha256 hasher;
  std::int64_t hashed = 0;
  bool gone = false;
  bool writing = false;  // an UploadChunk holds the hasher
};

BlobStore::BlobStore(std::string dataDir, Database& db, const Clock& clock, Random& random)
    : dataDir_(std::move(dataDir)), db_(db), clock_(clock), random_(random) {}
BlobStore::~BlobStore() = default;

Result<std::unique_ptr<BlobStore>> BlobStore::open(const std::string& dataDir, Database& db,
                                                   const Clock& clock, Random& random) {
  std::unique_ptr<BlobStore> store(new BlobStore(dataDir, db, clock, random));
  for (const char* sub : {"/blobs/sha256", "/uploads"}) {
    if (auto r = makeDirectories(dataDir + sub, 0700); !r) return fail(r.error());
  }
  if (auto r = store->recover(); !r) return fail(r.error());
  return store;
}

std::string BlobStore::uploadPath(const std::string& id) const {
  return dataDir_ + "/uploads/" + id;
}

std::string BlobStore::blobPath(const std::string& digest) const {
  std::string hex = digest.substr(7);
  return dataDir_ + "/blobs/sha256/" + hex.substr(0, 2) + "/" + hex;
}

Result<void> BlobStore::recover() {
  auto rows = db_.query("SELECT id, created_at FROM uploads");
  if (!rows) return fail(rows.error());
  std::int64_t now = clock_.nowUnix();
  for (const auto& row : *rows) {
    std::string id = row.text(0);
    auto size = fileSize(uploadPath(id));
    bool missing = size && !size->has_value();
    if (missing || now - row.integer(1) > kAbandonedUploadSeconds) discard(id);
  }
  // Files without a row were started but never recorded, or their row was discarded.
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dataDir_ + "/uploads", ec)) {
    std::string name = entry.path().filename().string();
    auto known = db_.query("SELECT 1 FROM uploads WHERE id = ?", {name});
    if (known && known->empty()) std::filesystem::remove(entry.path(), ec);
  }
  return {};
}

Result<UploadStatus> BlobStore::startUpload(const std::string& kind, std::int64_t maxBytes) {
  std::string id = random_.hexBytes(16);
  int fd = ::open(uploadPath(id).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return fail(ErrorKind::Internal, "io_failed", "cannot create upload file");
  ::close(fd);
  auto r = db_.execute("INSERT INTO uploads (id, kind, max_bytes, created_at) VALUES (?, ?, ?, ?)",
                       {id, kind, maxBytes, clock_.nowUnix()});
  if (!r) {
    std::remove(uploadPath(id).c_str());
    return fail(r.error());
  }
  return UploadStatus{id, kind, 0, maxBytes};
}

Result<std::shared_ptr<BlobStore::Session>> BlobStore::session(const std::string& id) {
  if (!isUploadId(id)) return noUpload(id);
  std::lock_guard lock(sessionsMutex_);
  if (auto it = sessions_.find(id); it != sessions_.end()) return it->second;
  auto rows = db_.query("SELECT kind, max_bytes FROM uploads WHERE id = ?", {id});
  if (!rows) return fail(rows.error());
  if (rows->empty()) return noUpload(id);
  auto s = std::make_shared<Session>();
  s->kind = rows->front().text(0);
  s->maxBytes = rows->front().integer(1);
  sessions_.emplace(id, s);
  return s;
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
  auto size = fileSize(uploadPath(id));
  if (!size) return fail(size.error());
  if (!size->has_value()) return noUpload(id);
  return **size;
}

Result<void> BlobStore::catchUpHash(Session& s, const std::string& path, std::int64_t size) {
  if (s.hashed == size) return {};
  // First use after a restart, after a failed write, or after a failed commit: the running
  // hash no longer covers the file, so read it once from the start.
  s.hasher = Sha256();
  auto hashed = hashFile(path, s.hasher);
  if (!hashed) return fail(hashed.error());
  s.hashed = *hashed;
  return {};
}

Result<UploadStatus> BlobStore::status(const std::string& id) {
  auto s = session(id);
  if (!s) return fail(s.error());
  std::lock_guard lock((*s)->mutex);
  auto size = liveSize(**s, id);
  if (!size) return fail(size.error());
  return UploadStatus{id, (*s)->kind, *size, (*s)->maxBytes};
}

Result<UploadStatus> BlobStore::append(const std::string& id, std::int64_t offset,
                                       std::string_view bytes) {
  auto chunk = openChunk(id, offset, static_cast<std::int64_t>(bytes.size()));
  if (!chunk) return fail(chunk.error());
  if (auto r = (*chunk)->write(bytes); !r) return fail(r.error());
  return (*chunk)->finish();
}

struct UploadChunk::State {
  BlobStore& store;
  std::shared_ptr<BlobStore::Session> session;
  std::string id;
  std::string sidePath;
  int fd = -1;
  std::int64_t offset = 0;
  std::int64_t length = 0;
  std::int64_t written = 0;
  Sha256 hasher{};
  bool finished = false;
};

Result<std::unique_ptr<UploadChunk>> BlobStore::openChunk(const std::string& id,
                                                          std::int64_t offset,
                                                          std::int64_t length) {
  auto found = session(id);
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
  std::string path = uploadPath(id);
  if (auto r = catchUpHash(s, path, current); !r) return fail(r.error());
  auto state = std::make_unique<UploadChunk::State>(
      UploadChunk::State{*this, *found, id, path + ".chunk", -1, offset, length});
  state->fd = ::open(state->sidePath.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (state->fd < 0) return fail(ErrorKind::Internal, "io_failed", "cannot create chunk file");
  state->hasher = std::move(s.hasher);
  s.hasher = Sha256();
  s.hashed = -1;  // the chunk holds the hash until it finishes
  s.writing = true;
  return std::unique_ptr<UploadChunk>(new UploadChunk(std::move(state)));
}

UploadChunk::UploadChunk(std::unique_ptr<State> state) : state_(std::move(state)) {}

UploadChunk::~UploadChunk() {
  if (state_->fd >= 0) ::close(state_->fd);
  if (state_->finished) return;
  std::remove(state_->sidePath.c_str());
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
    ssize_t n = ::write(c.fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail(ErrorKind::Internal, "io_failed", "cannot write chunk file");
    done += static_cast<std::size_t>(n);
  }
  c.hasher.update(bytes);
  c.written += static_cast<std::int64_t>(bytes.size());
  return {};
}

Result<UploadStatus> UploadChunk::finish() {
  State& c = *state_;
  if (c.written != c.length) {
    return fail(ErrorKind::InvalidArgument, "content_range_mismatch",
                "Content-Range covers " + std::to_string(c.length) + " bytes but " +
                    std::to_string(c.written) + " arrived");
  }
  BlobStore::Session& s = *c.session;
  std::lock_guard lock(s.mutex);
  auto size = c.store.liveSize(s, c.id);
  if (!size) return fail(size.error());
  std::string path = c.store.uploadPath(c.id);
  if (*size != c.offset) {
    return fail(ErrorKind::Internal, "io_failed", "upload file changed under a chunk");
  }
  // The first chunk becomes the upload file; later ones are appended in the kernel.
  if (c.offset == 0 ? ::rename(c.sidePath.c_str(), path.c_str()) != 0
                    : !appendFileContents(c.fd, path, c.offset)) {
    return fail(ErrorKind::Internal, "io_failed", "cannot add chunk to upload file");
  }
  ::close(c.fd);
  c.fd = -1;
  std::remove(c.sidePath.c_str());
  s.hasher = std::move(c.hasher);
  s.hashed = c.offset + c.length;
  s.writing = false;
  c.finished = true;
  return UploadStatus{c.id, s.kind, s.hashed, s.maxBytes};
}

Result<BlobInfo> BlobStore::commit(const std::string& id, const std::string& digest) {
  if (auto r = checkDigest(digest); !r) return fail(r.error());
  auto found = session(id);
  if (!found) return fail(found.error());
  Session& s = **found;
  std::lock_guard lock(s.mutex);
  auto size = liveSize(s, id);
  if (!size) return fail(size.error());
  if (s.writing) return uploadBusy(id);
  std::string path = uploadPath(id);
  if (auto r = catchUpHash(s, path, *size); !r) return fail(r.error());
  std::string actual = digestString(s.hasher.finish());
  std::int64_t length = s.hashed;
  s.hashed = -1;
  if (actual != digest) {
    discard(id);
    return fail(ErrorKind::InvalidArgument, "digest_mismatch",
                "uploaded " + std::to_string(length) + " bytes hash to " + actual +
                    ", not the expected " + digest + "; the upload was discarded");
  }
  if (auto r = fsyncPath(path); !r) return fail(r.error());
  std::string target = blobPath(digest);
  std::string dir = std::filesystem::path(target).parent_path().string();
  if (auto r = makeDirectories(dir, 0700); !r) return fail(r.error());
  crashpoint("blob-commit");
  auto existing = fileSize(target);
  if (existing && existing->has_value()) {
    std::remove(path.c_str());  // same content already stored
  } else if (::rename(path.c_str(), target.c_str()) != 0) {
    return fail(ErrorKind::Internal, "io_failed", "cannot move upload into the blob store");
  }
  if (auto r = fsyncPath(dir); !r) return fail(r.error());
  discard(id);
  return BlobInfo{digest, length};
}

Result<void> BlobStore::cancel(const std::string& id) {
  auto found = session(id);
  if (!found) return fail(found.error());
  std::lock_guard lock((*found)->mutex);
  discard(id);
  return {};
}

Result<std::optional<std::int64_t>> BlobStore::blobSize(const std::string& digest) {
  if (auto r = checkDigest(digest); !r) return fail(r.error());
  return fileSize(blobPath(digest));
}

Result<BlobInfo> BlobStore::rehash(const std::string& digest) {
  auto size = blobSize(digest);
  if (!size) return fail(size.error());
  if (!size->has_value()) {
    return fail(ErrorKind::NotFound, "blob_not_found", "blob " + digest + " is missing on disk");
  }
  Sha256 hasher;
  auto read = hashFile(blobPath(digest), hasher);
  if (!read) return fail(read.error());
  return BlobInfo{digestString(hasher.finish()), *read};
}

}  // namespace stele::store
