// What an admin asks for when adding a host, and the pure checks on it.
#pragma once

#include <string>
#include <vector>

#include "common/error.h"

namespace stele::scheduler {

struct HostRequest {
  std::string name;
  std::string uri;
  std::string accel = "kvm";
  std::vector<std::string> labels;  // "key=value"
};

// Names: like image names. URIs: a libvirt URI with a known scheme (qemu:///system,
// qemu+unix://, qemu+ssh://, qemu+tls://, test:///ABS/PATH), printable, no spaces.
// accel: kvm | qemu. Labels: key=value, key [a-z0-9.-/]{1,63}, value printable {0,63}.
Result<void> validateHostRequest(const HostRequest& request);

}  // namespace stele::scheduler
