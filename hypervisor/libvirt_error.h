// libvirt's thread-local last error turned into a stele::Error (internal to the module).
#pragma once

#include <string>

#include "common/error.h"

namespace stele::hypervisor {

// Reads and resets libvirt's last error on this thread. `code` is our slug, `context` says what
// we were doing ("define domain web-1"). The message is `context` and libvirtErrorSummary only;
// libvirt's own text goes to Error::detail, for the server log.
Error takeLibvirtError(std::string code, const std::string& context);

// Reads and resets libvirt's last error on this thread, split into what may be shown
// (libvirtErrorSummary: `what`, the error class and number) and libvirt's full text, which may
// quote files and belongs in the server log only.
struct LibvirtFailure {
  std::string summary;
  std::string detail;
};
LibvirtFailure takeLibvirtFailure(const std::string& what);

// libvirt's error number of the last error on this thread (VIR_ERR_OK if none), not reset.
int lastLibvirtErrorNumber();

}  // namespace stele::hypervisor
