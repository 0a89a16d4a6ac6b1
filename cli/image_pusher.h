// What `stele push` does, as a library: upload the blobs the server lacks in resumable chunks
// while a second thread hashes each file, build and sign the manifest from those digests,
// then put the signed manifest.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "cli/http_client.h"
#include "images/manifest.h"

namespace stele::cli {

struct PushFile {
  std::string role;  // kernel | initrd | disk
  std::string path;
};

struct PushPlan {
  std::string name;
  std::string version;
  std::vector<PushFile> files;
  std::string cmdline;
  int vcpus = 1;
  int memoryMiB = 64;
  std::vector<images::ConfigKey> config;
  std::map<std::string, std::string> annotations;
  std::string privateKeyPem;
  std::int64_t chunkBytes = 16 << 20;
};

struct PushEvents {
  std::function<void(const std::string& role, const std::string& digest, std::int64_t size,
                     bool alreadyThere)>
      blobStarted = [](auto&&...) {};
  std::function<void(const std::string& role, std::int64_t sent, std::int64_t total)> progress =
      [](auto&&...) {};
};

struct PushOutcome {
  std::string manifestDigest;
  bool created = false;
  std::int64_t bytesUploaded = 0;
  std::int64_t bytesSkipped = 0;
};

Result<PushOutcome> pushImage(HttpClient& client, const PushPlan& plan, const PushEvents& events);

struct PushedBlob {
  std::string digest;
  std::int64_t size = 0;
  std::int64_t bytesSent = 0;
  bool alreadyThere = false;  // the server had it: the upload was not finished
};

// Uploads one file as a blob. Chunks are sent straight from the file while another thread
// hashes it; once the digest is known the server is asked for the blob, and if it has it
// nothing more is sent (a file of at most kHashFirstBytes is hashed before anything is sent).
inline constexpr std::int64_t kHashFirstBytes = std::int64_t{4} << 20;
Result<PushedBlob> uploadBlob(HttpClient& client, const std::string& role, const std::string& path,
                              std::int64_t chunkBytes, const PushEvents& events);

}  // namespace stele::cli
