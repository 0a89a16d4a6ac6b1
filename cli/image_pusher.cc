#include "cli/image_pusher.h"

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "cli/client_context.h"
#include "common/sha256.h"
#include "images/ed25519.h"
#include "images/envelope.h"
#include "store/file_io.h"

namespace stele::cli {
namespace {

constexpr int kMaxResumes = 5;

Result<std::string> fileDigest(const std::string& path, std::int64_t* size) {
  Sha256 hasher;
  auto n = store::hashFile(path, hasher);
  if (!n) return fail(n.error());
  *size = *n;
  return digestString(hasher.finish());
}

Result<std::string> readChunk(int fd, std::int64_t offset, std::int64_t length) {
  std::string chunk(static_cast<std::size_t>(length), '\0');
  std::size_t done = 0;
  while (done < chunk.size()) {
    ssize_t n = ::pread(fd, chunk.data() + done, chunk.size() - done,
                        static_cast<off_t>(offset + static_cast<std::int64_t>(done)));
    if (n <= 0) return fail(ErrorKind::Internal, "read_failed", "file changed while uploading");
    done += static_cast<std::size_t>(n);
  }
  return chunk;
}

// Where the server says the upload stands, after a failed or refused chunk.
Result<std::int64_t> serverOffset(HttpClient& client, const std::string& location) {
  auto status = callJson(client, "GET", location);
  if (!status) return fail(status.error());
  return (*status)["offset"].get<std::int64_t>();
}

}  // namespace

Result<std::string> uploadBlob(HttpClient& client, const std::string& role, const std::string& path,
                               std::int64_t chunkBytes, const PushEvents& events,
                               std::int64_t* uploaded) {
  std::int64_t size = 0;
  auto digest = fileDigest(path, &size);
  if (!digest) return fail(digest.error());
  auto head = client.request("HEAD", "/v1/blobs/" + *digest);
  if (!head) return fail(head.error());
  if (head->status == 200) {
    events.blobStarted(role, *digest, size, true);
    return *digest;
  }
  if (head->status != 404) return fail(responseError(*head));
  events.blobStarted(role, *digest, size, false);
  auto started = callJson(client, "POST", "/v1/blobs/uploads?kind=" + role);
  if (!started) return fail(started.error());
  std::string location = "/v1/blobs/uploads/" + (*started)["id"].get<std::string>();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(ErrorKind::InvalidArgument, "file_unreadable", "cannot open " + path);
  std::int64_t offset = 0;
  int resumes = 0;
  Result<std::string> outcome = *digest;
  while (offset < size) {
    std::int64_t length = std::min(chunkBytes, size - offset);
    auto chunk = readChunk(fd, offset, length);
    if (!chunk) {
      outcome = fail(chunk.error());
      break;
    }
    std::string range = std::to_string(offset) + "-" + std::to_string(offset + length - 1);
    auto response =
        client.request("PATCH", location, *chunk,
                       {{"Content-Type", "application/octet-stream"}, {"Content-Range", range}});
    if (response && response->status == 202) {
      offset += length;
      *uploaded += length;
      events.progress(role, offset, size);
      continue;
    }
    bool retriable = !response || response->status == 416 || response->status >= 500;
    if (!retriable || ++resumes > kMaxResumes) {
      outcome = fail(response ? responseError(*response) : response.error());
      break;
    }
    auto resumeAt = serverOffset(client, location);  // resume where the server really is
    if (!resumeAt) {
      outcome = fail(resumeAt.error());
      break;
    }
    offset = *resumeAt;
  }
  ::close(fd);
  if (!outcome) return outcome;
  auto committed = callJson(client, "PUT", location + "?digest=" + *digest);
  if (!committed) return fail(committed.error());
  return *digest;
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
    std::int64_t before = outcome.bytesUploaded;
    auto digest =
        uploadBlob(client, file.role, file.path, plan.chunkBytes, events, &outcome.bytesUploaded);
    if (!digest) return fail(digest.error());
    auto size = store::fileSize(file.path);
    std::int64_t bytes = size && size->has_value() ? **size : 0;
    if (outcome.bytesUploaded == before) outcome.bytesSkipped += bytes;
    manifest.blobs.push_back({file.role, *digest, bytes});
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
