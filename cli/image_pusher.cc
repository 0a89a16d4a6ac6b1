#include "cli/image_pusher.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <nlohmann/json.hpp>

#include "cli/client_context.h"
#include "common/sha256.h"
#include "images/ed25519.h"
#include "images/envelope.h"
#include "store/file_io.h"

namespace stele::cli {
namespace {

constexpr int kMaxResumes = 5;

// Where the server says the upload stands, after a failed or refused chunk.
Result<std::int64_t> serverOffset(HttpClient& client, const std::string& location) {
  auto status = callJson(client, "GET", location);
  if (!status) return fail(status.error());
  return (*status)["offset"].get<std::int64_t>();
}

// The file's digest, read through a mapping (no copy into a buffer); a file that cannot be
// mapped is read the usual way.
Result<std::string> fileDigest(const std::string& path) {
  Sha256 hasher;
  store::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (fd.get() >= 0 && ::fstat(fd.get(), &st) == 0 && st.st_size > 0) {
    auto size = static_cast<std::size_t>(st.st_size);
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
    if (map != MAP_FAILED) {
      ::madvise(map, size, MADV_SEQUENTIAL);
      hasher.update(map, size);
      ::munmap(map, size);
      return digestString(hasher.finish());
    }
  }
  auto n = store::hashFile(path, hasher);
  if (!n) return fail(n.error());
  return digestString(hasher.finish());
}

// One file's way to the server: the chunks go out from the file while a thread of its own
// hashes it (the digest is needed for the server's blob check, the commit and the manifest).
class BlobUpload {
 public:
  BlobUpload(HttpClient& client, std::string role, std::string path, const PushEvents& events)
      : client_(client), role_(std::move(role)), path_(std::move(path)), events_(events) {}

  Result<PushedBlob> run(std::int64_t chunkBytes) {
    store::Fd fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st {};
    if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0) {
      return fail(ErrorKind::InvalidArgument, "file_unreadable", "cannot open " + path_);
    }
    blob_.size = st.st_size;
    hashing_ = std::async(std::launch::async, [path = path_] { return fileDigest(path); });
    if (blob_.size <= kHashFirstBytes) {
      if (auto r = learnDigest(true); !r || blob_.alreadyThere) return done(r);
    }
    auto started = callJson(client_, "POST", "/v1/blobs/uploads?kind=" + role_);
    if (!started) return fail(started.error());
    location_ = "/v1/blobs/uploads/" + (*started)["id"].get<std::string>();
    if (auto r = sendChunks(fd.get(), chunkBytes); !r) return fail(r.error());
    if (auto r = learnDigest(true); !r) return fail(r.error());
    if (blob_.alreadyThere) {
      auto cancelled = client_.request("DELETE", location_);
      if (!cancelled) return fail(cancelled.error());
      return blob_;
    }
    auto committed = callJson(client_, "PUT", location_ + "?digest=" + blob_.digest);
    if (!committed) return fail(committed.error());
    return blob_;
  }

 private:
  Result<PushedBlob> done(const Result<void>& r) {
    if (!r) return fail(r.error());
    return blob_;
  }

  // Chunks in order until the file is sent or the server turns out to have the blob; a failed
  // or refused chunk resumes from the offset the server reports.
  Result<void> sendChunks(int fd, std::int64_t chunkBytes) {
    std::int64_t offset = 0;
    int resumes = 0;
    while (offset < blob_.size) {
      if (auto r = learnDigest(false); !r) return r;
      if (blob_.alreadyThere) return {};
      std::int64_t length = std::min(chunkBytes, blob_.size - offset);
      std::string range = std::to_string(offset) + "-" + std::to_string(offset + length - 1);
      auto response =
          client_.request("PATCH", location_, FileRange{fd, offset, length},
                          {{"Content-Type", "application/octet-stream"}, {"Content-Range", range}});
      if (response && response->status == 202) {
        offset += length;
        blob_.bytesSent += length;
        if (!blob_.digest.empty()) events_.progress(role_, offset, blob_.size);
        continue;
      }
      bool retriable = !response || response->status == 416 || response->status >= 500;
      if (!retriable || ++resumes > kMaxResumes) {
        return fail(response ? responseError(*response) : response.error());
      }
      auto resumeAt = serverOffset(client_, location_);  // resume where the server really is
      if (!resumeAt) return fail(resumeAt.error());
      offset = *resumeAt;
    }
    return {};
  }

  // Takes the digest once it is computed (waiting for it with `wait`), and asks the server
  // whether it has that blob already.
  Result<void> learnDigest(bool wait) {
    if (!blob_.digest.empty()) return {};
    if (!wait && hashing_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return {};
    auto digest = hashing_.get();
    if (!digest) return fail(digest.error());
    auto head = client_.request("HEAD", "/v1/blobs/" + *digest);
    if (!head) return fail(head.error());
    if (head->status != 200 && head->status != 404) return fail(responseError(*head));
    blob_.digest = *digest;
    blob_.alreadyThere = head->status == 200;
    events_.blobStarted(role_, blob_.digest, blob_.size, blob_.alreadyThere);
    if (!blob_.alreadyThere && blob_.bytesSent > 0) {
      events_.progress(role_, blob_.bytesSent, blob_.size);
    }
    return {};
  }

  HttpClient& client_;
  std::string role_;
  std::string path_;
  const PushEvents& events_;
  std::future<Result<std::string>> hashing_;
  std::string location_;
  PushedBlob blob_;
};

}  // namespace

Result<PushedBlob> uploadBlob(HttpClient& client, const std::string& role, const std::string& path,
                              std::int64_t chunkBytes, const PushEvents& events) {
  return BlobUpload(client, role, path, events).run(chunkBytes);
}

Result<PushOutcome> pushImage(HttpClient& client, const PushPlan& plan, const PushEvents& events) {
  images::Manifest manifest;
  manifest.name = plan.name;
  manifest.version = plan.version;
  manifest.cmdline = plan.cmdline;
  manifest.vcpus = plan.vcpus;
  manifest.memoryMiB = plan.memoryMiB;
  manifest.config = plan.config;
  manifest.annotations = plan.annotations;
  manifest.bootKind = "disk";
  PushOutcome outcome;
  for (const auto& file : plan.files) {
    if (file.role == "kernel") manifest.bootKind = "kernel";
    auto blob = uploadBlob(client, file.role, file.path, plan.chunkBytes, events);
    if (!blob) return fail(blob.error());
    outcome.bytesUploaded += blob->bytesSent;
    if (blob->alreadyThere) outcome.bytesSkipped += blob->size - blob->bytesSent;
    manifest.blobs.push_back({file.role, blob->digest, blob->size});
  }
  std::sort(manifest.blobs.begin(), manifest.blobs.end(),
            [](const auto& a, const auto& b) { return a.role < b.role; });
  std::string payload = images::serializeManifest(manifest);
  if (auto check = images::parseManifest(payload); !check) return fail(check.error());
  auto publicKey = images::rawPublicKeyFromPrivatePem(plan.privateKeyPem);
  if (!publicKey) return fail(publicKey.error());
  std::string type(images::kManifestPayloadType);
  auto signature = images::sign(plan.privateKeyPem, images::preAuthEncoding(type, payload));
  if (!signature) return fail(signature.error());
  images::Envelope envelope{type, payload, {{images::keyIdOf(*publicKey), *signature}}};
  auto pushed =
      callJson(client, "PUT",
               "/v1/images/" + urlSegment(plan.name) + "/versions/" + urlSegment(plan.version),
               images::serializeEnvelope(envelope));
  if (!pushed) return fail(pushed.error());
  outcome.manifestDigest = (*pushed)["manifestDigest"].get<std::string>();
  outcome.created = (*pushed)["created"].get<bool>();
  return outcome;
}

}  // namespace stele::cli
