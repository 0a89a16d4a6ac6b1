// What tests on libvirt's test driver share: our host XMLs, fake kernel/initrd blobs in a
// scratch directory, and a spec that provisions from them.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include "hypervisor/domain_spec.h"
#include "tests/hypervisor/test_specs.h"

namespace stele::hypervisor::testing {

inline std::string hostXmlPath(const std::string& name) {
  return std::string(STELE_SOURCE_DIR) + "/tests/hypervisor/hosts/" + name + ".xml";
}

inline std::string hostUri(const std::string& name) { return "test://" + hostXmlPath(name); }

// Under `root`: blobs/kernel and blobs/initrd (not really either), and instances/ for the host.
struct FakeBlobs {
  std::string blobs;
  std::string instances;
};

inline FakeBlobs writeFakeBlobs(const std::string& root) {
  FakeBlobs dirs{root + "/blobs", root + "/instances"};
  std::filesystem::create_directories(dirs.blobs);
  std::ofstream(dirs.blobs + "/kernel") << "not really a kernel";
  std::ofstream(dirs.blobs + "/initrd") << "not really an initrd";
  return dirs;
}

inline DomainSpec specBootingFakeBlobs(const std::string& instance, const FakeBlobs& dirs) {
  auto spec = validDomainSpec(instance);
  spec.kernelPath = dirs.blobs + "/kernel";
  spec.initrdPath = dirs.blobs + "/initrd";
  spec.config = "role=web\n";
  spec.memoryMiB = 256;
  spec.vcpus = 1;
  return spec;
}

}  // namespace stele::hypervisor::testing
