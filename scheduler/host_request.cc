#include "scheduler/host_request.h"

#include <array>
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

}  // namespace

Result<void> validateHostRequest(const HostRequest& request) {
  if (auto r = images::validateImageName(request.name); !r) {
    return invalid("name", "use 1-64 lowercase letters and digits with single '.', '_' or '-'");
  }
  constexpr std::array<std::string_view, 5> kSchemes = {"qemu:///", "qemu+unix://", "qemu+ssh://",
                                                        "qemu+tls://", "test:///"};
  bool known = false;
  for (auto scheme : kSchemes) known = known || request.uri.starts_with(scheme);
  if (!known || request.uri.size() > 512 || !printableNoSpace(request.uri)) {
    return invalid("uri",
                   "must be a libvirt URI: qemu:///system, qemu+unix:///system?socket=PATH, "
                   "qemu+ssh://HOST/system, qemu+tls://HOST/system or test:///ABS/PATH.xml");
  }
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
  return {};
}

}  // namespace stele::scheduler
