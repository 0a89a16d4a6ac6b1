// What an admin asks for when adding a host, and the pure checks on it.
#pragma once

#include <string>
#include <vector>

#include "common/error.h"
#include "scheduler/host_uri.h"

namespace stele::scheduler {

struct HostRequest {
  std::string name;
  std::string uri;
  std::string accel = "kvm";
  std::vector<std::string> labels;  // "key=value"
  std::string probeNetns;  // where health probes run: a network namespace name, "" = the server's
};

// A request that passed validateHostRequest, and the URIs made from it.
struct ValidatedHost {
  HostUri uri;
  std::string storedUri;   // canonical, without server paths: what is stored and shown
  std::string libvirtUri;  // what libvirt receives: built from `uri` and the server's policy
};

// The one check every source of hosts runs (POST /v1/hosts, stored hosts at server start, the
// Host kind of `stele apply` to come). Names: like image names. URIs: parseHostUri under
// `policy` (see host_uri.h); a test:/// file must also resolve (symlinks followed) below the
// policy's test hosts directory. accel: kvm | qemu. Labels: key=value, key [a-z0-9._/-]{1,63},
// value printable {0,63}. InvalidArgument "host_invalid", the message naming the field.
Result<ValidatedHost> validateHostRequest(const HostRequest& request, const HostUriPolicy& policy);

}  // namespace stele::scheduler
