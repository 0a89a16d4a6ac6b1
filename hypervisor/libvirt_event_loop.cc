#include "hypervisor/libvirt_event_loop.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <mutex>
#include <thread>

namespace stele::hypervisor {

namespace {

void ignoreLibvirtError(void* /*userData*/, virErrorPtr /*error*/) {}

}  // namespace

void ensureLibvirtEventLoop() {
  static std::once_flag once;
  std::call_once(once, [] {
    virInitialize();
    virSetErrorFunc(nullptr, ignoreLibvirtError);
    virEventRegisterDefaultImpl();
    std::thread([] {
      while (true) virEventRunDefaultImpl();
    }).detach();
  });
}

}  // namespace stele::hypervisor
