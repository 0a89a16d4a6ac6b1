// Per-instance files on the libvirt host's filesystem: copies of the kernel/initrd the caller
// verified, the fw_cfg config blob, and the serial console log.
//
// Copies, not hard links: libvirt's DAC driver chowns the kernel/initrd it boots and restores
// the owner afterwards; on a hard link that would relabel the caller's blob store file.
#pragma once

#include <cstddef>
#include <string>

#include "common/error.h"
#include "hypervisor/domain_spec.h"
#include "hypervisor/instance_paths.h"

namespace stele::hypervisor {

// Creates paths.directory (0755; an existing one is wiped first: stale leftovers of a crash),
// copies kernel/initrd (0644), writes the config (0644) and an empty console log. A copy is
// hashed as it is made when the spec gives its digest; one that differs fails Unprocessable
// "blob_corrupt" naming the blob. On failure nothing is left behind.
Result<void> prepareInstanceFiles(const DomainSpec& spec, const InstancePaths& paths);

// Removes the instance directory and everything in it. Absent is fine.
Result<void> removeInstanceFiles(const InstancePaths& paths);

// The last maxBytes of a file; "" if it does not exist yet.
Result<std::string> readFileTail(const std::string& path, std::size_t maxBytes);

}  // namespace stele::hypervisor
