// libvirt's thread-local last error turned into a stele::Error (internal to the module).
#pragma once

#include <string>

#include "common/error.h"

namespace stele::hypervisor {

// Reads and resets libvirt's last error on this thread. `code` is our slug, `context` says what
// we were doing ("define domain web-1"); libvirt's own message follows it.
Error takeLibvirtError(std::string code, const std::string& context);

// libvirt's error number of the last error on this thread (VIR_ERR_OK if none), not reset.
int lastLibvirtErrorNumber();

}  // namespace stele::hypervisor
