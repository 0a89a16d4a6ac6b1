#include "cli/manifest_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace stele::cli {
namespace {

Result<std::string> readAll(std::FILE* in, const std::string& name) {
  std::string body;
  char buffer[1 << 16];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, in)) > 0) body.append(buffer, n);
  if (std::ferror(in)) {
    return fail(ErrorKind::InvalidArgument, "file_unreadable",
                "cannot read " + name + ": " + std::strerror(errno));
  }
  return body;
}

}  // namespace

std::string ManifestFile::contentType() const {
  return format == scheduler::DocumentFormat::Json ? "application/json" : "application/yaml";
}

Result<ManifestFile> readManifestFile(const std::string& path) {
  ManifestFile file;
  file.path = path;
  if (path.empty()) {
    return fail(ErrorKind::InvalidArgument, "usage", "-f needs a file name (or - for stdin)");
  }
  if (path.size() > 5 && path.ends_with(".json")) file.format = scheduler::DocumentFormat::Json;
  Result<std::string> body;
  if (path == "-") {
    body = readAll(stdin, "standard input");
  } else {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> in(std::fopen(path.c_str(), "rb"), std::fclose);
    if (!in) {
      return fail(ErrorKind::InvalidArgument, "file_unreadable",
                  "cannot read " + path + ": " + std::strerror(errno));
    }
    body = readAll(in.get(), path);
  }
  if (!body) return fail(body.error());
  file.body = std::move(*body);
  return file;
}

}  // namespace stele::cli
