// A desired-state file given to `stele apply -f` or `stele delete -f`: read whole (or stdin for
// "-"), with the format the server should parse it as (.json files as JSON, anything else YAML).
#pragma once

#include <string>

#include "common/error.h"
#include "scheduler/documents.h"

namespace stele::cli {

struct ManifestFile {
  std::string path;  // as given; "-" is stdin
  std::string body;
  scheduler::DocumentFormat format = scheduler::DocumentFormat::Yaml;

  // The Content-Type that makes the server parse `body` as `format`.
  std::string contentType() const;
};

// Errors name the file: "cannot read web.yaml: No such file or directory".
Result<ManifestFile> readManifestFile(const std::string& path);

}  // namespace stele::cli
