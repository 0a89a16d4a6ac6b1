// What `stele push` does, as a library: hash the files, build and sign the manifest, upload
// the blobs the server lacks in resumable chunks, then put the signed manifest.
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
  std::int64_t chunkBytes = 8 << 20;
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

// Uploads one file as a blob (skipping it when the server has it); returns its digest.
Result<std::string> uploadBlob(HttpClient& client, const std::string& role, const std::string& path,
                               std::int64_t chunkBytes, const PushEvents& events,
                               std::int64_t* uploaded);

}  // namespace stele::cli
