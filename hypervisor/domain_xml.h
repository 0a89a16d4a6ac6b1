// Domain XML from typed values. Pure: validates the spec, then writes every value through
// the escaping XmlWriter. Never pastes a user string into markup.
#pragma once

#include <string>

#include "common/error.h"
#include "hypervisor/domain_spec.h"
#include "hypervisor/instance_paths.h"

namespace stele::hypervisor {

inline constexpr std::string_view kFwCfgConfigEntry = "opt/stele/config";

// `paths` are the per-instance copies libvirt will hand to QEMU (not the caller's blobs).
// `firmware`: absolute path of a BIOS ROM for <loader type='rom'>; empty = libvirt's default.
Result<std::string> buildDomainXml(const DomainSpec& spec, const InstancePaths& paths,
                                   Acceleration acceleration, const std::string& firmware = {});

}  // namespace stele::hypervisor
