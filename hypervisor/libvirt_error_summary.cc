#include "hypervisor/libvirt_error_summary.h"

#include <libvirt/virterror.h>

namespace stele::hypervisor {
namespace {

const char* domainName(int domain) {
  switch (domain) {
    case VIR_FROM_NONE:
      return "NONE";
    case VIR_FROM_XML:
      return "XML";
    case VIR_FROM_DOM:
      return "DOM";
    case VIR_FROM_RPC:
      return "RPC";
    case VIR_FROM_CONF:
      return "CONF";
    case VIR_FROM_QEMU:
      return "QEMU";
    case VIR_FROM_NET:
      return "NET";
    case VIR_FROM_TEST:
      return "TEST";
    case VIR_FROM_REMOTE:
      return "REMOTE";
    case VIR_FROM_STORAGE:
      return "STORAGE";
    case VIR_FROM_NETWORK:
      return "NETWORK";
    case VIR_FROM_DOMAIN:
      return "DOMAIN";
    case VIR_FROM_SECURITY:
      return "SECURITY";
    case VIR_FROM_CAPABILITIES:
      return "CAPABILITIES";
    case VIR_FROM_URI:
      return "URI";
    case VIR_FROM_AUTH:
      return "AUTH";
    case VIR_FROM_SSH:
      return "SSH";
    case VIR_FROM_LIBSSH:
      return "LIBSSH";
    case VIR_FROM_ACCESS:
      return "ACCESS";
    case VIR_FROM_POLKIT:
      return "POLKIT";
    default:
      return nullptr;
  }
}

}  // namespace

std::string libvirtErrorSummary(std::string_view what, int domain, int code) {
  const char* name = domainName(domain);
  std::string out(what);
  out += ": libvirt error class ";
  out += name != nullptr ? name : std::to_string(domain);
  out += " (code " + std::to_string(code) + ")";
  return out;
}

}  // namespace stele::hypervisor
