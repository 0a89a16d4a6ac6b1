// Valid specs for tests to start from and break one field at a time.
#pragma once

#include <string>

#include "hypervisor/domain_spec.h"
#include "hypervisor/network_spec.h"

namespace stele::hypervisor::testing {

inline DomainSpec validDomainSpec(const std::string& instanceId = "i-0001") {
  DomainSpec spec;
  spec.instanceId = instanceId;
  spec.name = "web-" + instanceId;
  spec.deployment = "web";
  spec.revision = "1";
  spec.imageDigest = "sha256:" + std::string(64, 'a');
  spec.kernelPath = "/srv/blobs/kernel";
  spec.cmdline = "console=ttyS0";
  spec.memoryMiB = 64;
  spec.vcpus = 1;
  return spec;
}

inline NetworkSpec validNetworkSpec() {
  return NetworkSpec{"dmz", "stele-dmz", HostAddress{"10.77.0.1", 24}};
}

}  // namespace stele::hypervisor::testing
