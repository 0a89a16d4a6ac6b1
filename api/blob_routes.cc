// Chunked, resumable blob uploads (OCI style) and blob existence checks.
//
//   POST   /v1/blobs/uploads?kind=kernel|initrd|disk   start; 202 + Location
//   GET    /v1/blobs/uploads[?all=true]   the caller's open uploads (all=true: admin, every one)
//   PATCH  /v1/blobs/uploads/{id}   Content-Range: START-END (inclusive), bytes in order
//   GET    /v1/blobs/uploads/{id}   current offset, to resume (HEAD: the same headers only)
//   PUT    /v1/blobs/uploads/{id}?digest=sha256:...    commit
//   DELETE /v1/blobs/uploads/{id}   cancel
//   HEAD   /v1/blobs/{digest}       200 with Stele-Blob-Size, or 404
//   GET    /v1/blobs/{digest}       {"digest", "size"}
//
// An upload is visible only to the token that opened it (404 for any other, as if it did not
// exist); an admin may also list and cancel every upload, to clean up after others.
#include <charconv>

#include "api/desired_views.h"
#include "api/router.h"
#include "api/services.h"

namespace stele::api {
namespace {

store::UploadCaller ownerOnly(const RouteContext& ctx) { return {ctx.principal.tokenId, false}; }
store::UploadCaller ownerOrAdmin(const RouteContext& ctx) {
  return {ctx.principal.tokenId, ctx.principal.role == Role::Admin};
}

nlohmann::json uploadJson(const store::UploadStatus& upload) {
  return {{"id", upload.id},
          {"kind", upload.kind},
          {"offset", upload.offset},
          {"maxBytes", upload.maxBytes},
          {"createdAt", timeMsJson(upload.createdAtMs)},
          {"lastActivityAt", timeMsJson(upload.lastActivityMs)},
          {"expiresAt", timeMsJson(upload.expiresAtMs)}};
}

HttpResponse uploadResponse(int status, const store::UploadStatus& upload) {
  HttpResponse response = jsonResponse(status, uploadJson(upload));
  response.headers.emplace_back("Location", "/v1/blobs/uploads/" + upload.id);
  response.headers.emplace_back("Upload-Offset", std::to_string(upload.offset));
  if (upload.offset > 0) {
    response.headers.emplace_back("Range", "0-" + std::to_string(upload.offset - 1));
  }
  return response;
}

std::optional<std::int64_t> parseNumber(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty() || value < 0) {
    return std::nullopt;
  }
  return value;
}

// "START-END" or "bytes START-END"; END inclusive; must cover exactly `bodySize` bytes.
Result<std::int64_t> chunkStart(const HttpRequest& request, std::int64_t bodySize) {
  auto header = request.header("content-range");
  if (!header) {
    return fail(ErrorKind::InvalidArgument, "content_range_missing",
                "Content-Range: START-END is required on every chunk");
  }
  std::string_view text = *header;
  if (text.starts_with("bytes ")) text.remove_prefix(6);
  auto dash = text.find('-');
  auto start = parseNumber(text.substr(0, dash));
  auto end = dash == std::string_view::npos ? std::nullopt : parseNumber(text.substr(dash + 1));
  if (!start || !end || *end < *start) {
    return fail(ErrorKind::InvalidArgument, "content_range_invalid",
                "Content-Range must be START-END with END >= START");
  }
  if (*end - *start + 1 != bodySize) {
    return fail(ErrorKind::InvalidArgument, "content_range_mismatch",
                "Content-Range covers " + std::to_string(*end - *start + 1) +
                    " bytes but the body has " + std::to_string(bodySize));
  }
  return *start;
}

Result<HttpResponse> commitUpload(Services& s, const std::string& id,
                                  const store::UploadCaller& caller, const std::string& digest) {
  auto blob = s.blobs.commit(id, caller, digest);
  if (!blob) return fail(blob.error());
  HttpResponse response = jsonResponse(201, {{"digest", blob->digest}, {"size", blob->size}});
  response.headers.emplace_back("Location", "/v1/blobs/" + blob->digest);
  return response;
}

// A chunk's bytes go to the upload file and its hash as they arrive; finishing records the
// chunk and, on a commit (PUT), commits the upload.
class ChunkStream : public BodyStream {
 public:
  ChunkStream(Services& s, std::unique_ptr<store::UploadChunk> chunk, std::string id,
              store::UploadCaller caller, std::optional<std::string> commitDigest)
      : s_(s),
        chunk_(std::move(chunk)),
        id_(std::move(id)),
        caller_(std::move(caller)),
        digest_(std::move(commitDigest)) {}
  Result<void> write(std::string_view bytes) override {
    if (auto r = chunk_->write(bytes); !r) return r;
    s_.metrics.addUploadedBytes(bytes.size());
    return {};
  }
  Result<HttpResponse> finish() override {
    auto upload = chunk_->finish();
    if (!upload) return fail(upload.error());
    if (digest_) return commitUpload(s_, id_, caller_, *digest_);
    return uploadResponse(202, *upload);
  }

 private:
  Services& s_;
  std::unique_ptr<store::UploadChunk> chunk_;
  std::string id_;
  store::UploadCaller caller_;
  std::optional<std::string> digest_;
};

Result<std::string> commitDigest(const HttpRequest& request) {
  auto digest = request.queryParam("digest");
  if (!digest) {
    return fail(ErrorKind::InvalidArgument, "digest_missing", "commit needs ?digest=sha256:<hex>");
  }
  return *digest;
}

// Checked from the head alone, before any byte of the chunk is read.
Result<std::unique_ptr<BodyStream>> openChunkStream(Services& s, const RouteContext& ctx,
                                                    std::int64_t length, bool commit) {
  std::optional<std::string> digest;
  if (commit) {
    auto wanted = commitDigest(ctx.request);
    if (!wanted) return fail(wanted.error());
    digest = *wanted;
  }
  auto start = chunkStart(ctx.request, length);
  if (!start) return fail(start.error());
  auto chunk = s.blobs.openChunk(ctx.param("id"), ownerOnly(ctx), *start, length);
  if (!chunk) return fail(chunk.error());
  return std::make_unique<ChunkStream>(s, std::move(*chunk), ctx.param("id"), ownerOnly(ctx),
                                       digest);
}

// A request whose body is already whole (or empty) goes through the same stream.
Result<HttpResponse> takeWholeChunk(Services& s, const RouteContext& ctx, bool commit) {
  auto length = static_cast<std::int64_t>(ctx.request.body.size());
  if (commit && length == 0) {
    auto digest = commitDigest(ctx.request);
    if (!digest) return fail(digest.error());
    return commitUpload(s, ctx.param("id"), ownerOnly(ctx), *digest);
  }
  auto stream = openChunkStream(s, ctx, length, commit);
  if (!stream) return fail(stream.error());
  if (auto r = (*stream)->write(ctx.request.body); !r) return fail(r.error());
  return (*stream)->finish();
}

}  // namespace

void addBlobRoutes(Router& router, Services& s) {
  router.add({"POST", "/v1/blobs/uploads", Permission::PushImage, std::nullopt, 0,
              [&s](const RouteContext& ctx) -> Result<HttpResponse> {
                std::string kind = ctx.request.queryParam("kind").value_or("disk");
                std::int64_t limit = s.registry.limits().forRole(kind);
                if (limit == 0) {
                  return fail(ErrorKind::InvalidArgument, "kind_invalid",
                              "kind must be kernel, initrd or disk");
                }
                auto upload = s.blobs.startUpload(kind, limit, ctx.principal.tokenId);
                if (!upload) return fail(upload.error());
                return uploadResponse(202, *upload);
              }});
  router.add({"GET", "/v1/blobs/uploads", Permission::PushImage, std::nullopt, 0,
              [&s](const RouteContext& ctx) -> Result<HttpResponse> {
                std::string all = ctx.request.queryParam("all").value_or("false");
                if (all != "true" && all != "false") {
                  return fail(ErrorKind::InvalidArgument, "field_invalid",
                              "all: must be true or false");
                }
                store::UploadCaller caller = ownerOnly(ctx);
                if (all == "true") {
                  if (ctx.principal.role != Role::Admin) {
                    return fail(ErrorKind::PermissionDenied, "forbidden",
                                "all=true: only an admin lists every token's uploads");
                  }
                  caller.anyOwner = true;
                }
                auto uploads = s.blobs.listUploads(caller);
                if (!uploads) return fail(uploads.error());
                nlohmann::json items = nlohmann::json::array();
                for (const auto& u : *uploads) {
                  nlohmann::json item = uploadJson(u);
                  if (caller.anyOwner) item["owner"] = u.owner;
                  items.push_back(std::move(item));
                }
                return jsonResponse(200, {{"items", items}});
              }});
  auto offset = [&s](const RouteContext& ctx, bool head) -> Result<HttpResponse> {
    auto upload = s.blobs.status(ctx.param("id"), ownerOnly(ctx));
    if (!upload) return fail(upload.error());
    HttpResponse response = uploadResponse(200, *upload);
    if (head) {
      response.body.clear();
      response.contentType.clear();
    }
    return response;
  };
  router.add({"GET", "/v1/blobs/uploads/{id}", Permission::PushImage, std::nullopt, 0,
              [offset](const RouteContext& ctx) { return offset(ctx, false); }});
  router.add({"HEAD", "/v1/blobs/uploads/{id}", Permission::PushImage, std::nullopt, 0,
              [offset](const RouteContext& ctx) { return offset(ctx, true); }});
  for (bool commit : {false, true}) {
    router.add({commit ? "PUT" : "PATCH", "/v1/blobs/uploads/{id}", Permission::PushImage,
                std::nullopt, s.limits.maxChunkBytes,
                [&s, commit](const RouteContext& ctx) { return takeWholeChunk(s, ctx, commit); },
                [&s, commit](const RouteContext& ctx, std::int64_t length) {
                  return openChunkStream(s, ctx, length, commit);
                }});
  }
  router.add({"DELETE", "/v1/blobs/uploads/{id}", Permission::PushImage, std::nullopt, 0,
              [&s](const RouteContext& ctx) -> Result<HttpResponse> {
                if (auto r = s.blobs.cancel(ctx.param("id"), ownerOrAdmin(ctx)); !r)
                  return fail(r.error());
                return emptyResponse(204);
              }});
  auto blobInfo = [&s](const RouteContext& ctx, bool head) -> Result<HttpResponse> {
    const std::string& digest = ctx.param("digest");
    auto size = s.blobs.blobSize(digest);
    if (!size) return fail(size.error());
    if (!size->has_value()) {
      return fail(ErrorKind::NotFound, "blob_not_found", "no blob " + digest);
    }
    HttpResponse response =
        head ? emptyResponse(200) : jsonResponse(200, {{"digest", digest}, {"size", **size}});
    response.headers.emplace_back("Stele-Blob-Size", std::to_string(**size));
    return response;
  };
  router.add({"HEAD", "/v1/blobs/{digest}", Permission::Read, std::nullopt, 0,
              [blobInfo](const RouteContext& ctx) { return blobInfo(ctx, true); }});
  router.add({"GET", "/v1/blobs/{digest}", Permission::Read, std::nullopt, 0,
              [blobInfo](const RouteContext& ctx) { return blobInfo(ctx, false); }});
}

}  // namespace stele::api
