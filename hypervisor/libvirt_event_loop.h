// libvirt's default event loop (virEventRegisterDefaultImpl + virEventRunDefaultImpl) on its own
// thread. Process-wide: libvirt allows one registration per process, so the thread is started
// on first use and lives until the process exits. Also silences libvirt's stderr error printer
// (errors are read with virGetLastError instead).
#pragma once

namespace stele::hypervisor {

// Idempotent and thread-safe. Must run before the first virConnectOpen.
void ensureLibvirtEventLoop();

}  // namespace stele::hypervisor
