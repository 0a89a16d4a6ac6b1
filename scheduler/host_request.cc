#include "scheduler/host_request.h"

#include <filesystem>
#include <set>
#include <string_view>

#include "images/naming.h"

namespace stele::scheduler {
namespace {

std::unexpected<Error> invalid(const std::string& field, const std::string& reason) {
  return fail(ErrorKind::InvalidArgument, "host_invalid", field + ": " + reason);
}

bool printableNoSpace(std::string_view text) {
  for (char c : text) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

// The lexical check is done by parseHostUri; here symlinks are followed (the missing tail of a
// path that does not exist yet is kept as written), so a link cannot point libvirt outside.
Result<void> testFileStaysInside(const std::string& file, const std::string& dir) {
  std::error_code ec;
  auto root = std::filesystem::canonical(dir, ec);
  if (ec) return invalid("uri", "the test hosts directory cannot be resolved");
  auto resolved = std::filesystem::weakly_canonical(file, ec);
  if (ec) return invalid("uri", "the test host file cannot be resolved");
  auto relative = resolved.lexically_relative(root);
  if (relative.empty() || *relative.begin() == ".." || relative == ".") {
    return invalid("uri", "test host file must resolve below " + dir + " (symlinks followed)");
  }
  return {};
}

}  // namespace

Result<ValidatedHost> validateHostRequest(const HostRequest& request, const HostUriPolicy& policy) {
  if (auto r = images::validateImageName(request.name); !r) {
    return invalid("name", "use 1-64 lowercase letters and digits with single '.', '_' or '-'");
  }
  auto uri = parseHostUri(request.uri, policy);
  if (!uri) return fail(uri.error());
  if (uri->transport == HostTransport::Test) {
    if (auto r = testFileStaysInside(uri->file, policy.testHostsDir); !r) return fail(r.error());
  }
  bool netnsOk =
      request.probeNetns.size() <= 64 && request.probeNetns != "." && request.probeNetns != "..";
  for (char c : request.probeNetns) {
    netnsOk = netnsOk && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.');
  }
  if (!netnsOk) return invalid("probeNetns", "a network namespace name: [A-Za-z0-9._-]{1,64}");
  if (request.accel != "kvm" && request.accel != "qemu") {
    return invalid("accel", "must be kvm or qemu");
  }
  std::set<std::string> keys;
  for (const auto& label : request.labels) {
    auto eq = label.find('=');
    std::string key = label.substr(0, eq);
    bool ok = eq != std::string::npos && !key.empty() && key.size() <= 63 &&
              label.size() - eq - 1 <= 63 && printableNoSpace(label);
    for (char c : key) {
      ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
                  c == '/' || c == '_');
    }
    if (!ok) return invalid("labels", "\"" + label.substr(0, 80) + "\" is not key=value");
    if (!keys.insert(key).second) return invalid("labels", "duplicate key " + key);
  }
  return ValidatedHost{*uri, buildHostUri(*uri), buildHostUri(*uri, &policy)};
}

}  // namespace stele::scheduler
