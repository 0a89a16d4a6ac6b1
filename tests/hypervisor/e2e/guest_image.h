// The e2e guest: Debian's own kernel (/boot/vmlinuz-*) and an initramfs built at test time in
// a scratch directory (nothing cached in the repo): /init is tests/hypervisor/guest/
// stele_guest_init.c (static), plus the kernel's virtio_pci/virtio_net modules and their
// dependencies (from modules.dep, in load order), /dev/console and /proc.
#pragma once

#include <string>

#include "common/error.h"

namespace stele::hypervisor::e2e {

struct GuestImage {
  std::string kernel;
  std::string initrd;
};

// FAILS (no skip) with a clear message if no kernel or module is found.
Result<GuestImage> buildGuestImage(const std::string& guestInitBinary,
                                   const std::string& outputDir);

// "console=ttyS0 stele_ip=<cidr> stele_port=<port>"
std::string guestCmdline(const std::string& cidr, int port);

}  // namespace stele::hypervisor::e2e
