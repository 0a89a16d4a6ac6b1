// Network operations on one libvirt connection (internal to the module).
#pragma once

#include <string>

#include "common/error.h"
#include "hypervisor/libvirt_handles.h"
#include "hypervisor/network_spec.h"

namespace stele::hypervisor {

Result<void> ensureLibvirtNetwork(_virConnect* connection, const NetworkSpec& spec);
Result<void> removeLibvirtNetwork(_virConnect* connection, const std::string& name);

}  // namespace stele::hypervisor
