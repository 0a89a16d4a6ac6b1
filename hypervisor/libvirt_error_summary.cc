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

// Our own words for the error numbers a host gives in practice. libvirt's message text is
// never used: it may quote a file the caller named.
const char* phraseOf(int code) {
  switch (code) {
    case VIR_ERR_INTERNAL_ERROR:
      return "internal error on the host";
    case VIR_ERR_NO_MEMORY:
      return "the host is out of memory";
    case VIR_ERR_NO_SUPPORT:
    case VIR_ERR_OPERATION_UNSUPPORTED:
    case VIR_ERR_ARGUMENT_UNSUPPORTED:
      return "not supported by the host";
    case VIR_ERR_NO_CONNECT:
    case VIR_ERR_INVALID_CONN:
    case VIR_ERR_RPC:
      return "the connection to the host failed";
    case VIR_ERR_INVALID_ARG:
      return "invalid argument";
    case VIR_ERR_OPERATION_FAILED:
      return "operation failed";
    case VIR_ERR_XML_ERROR:
    case VIR_ERR_XML_DETAIL:
    case VIR_ERR_XML_INVALID_SCHEMA:
      return "XML error";
    case VIR_ERR_DOM_EXIST:
      return "the domain already exists";
    case VIR_ERR_NETWORK_EXIST:
      return "the network already exists";
    case VIR_ERR_OPERATION_DENIED:
    case VIR_ERR_ACCESS_DENIED:
      return "denied by the host";
    case VIR_ERR_OPEN_FAILED:
    case VIR_ERR_READ_FAILED:
    case VIR_ERR_WRITE_FAILED:
    case VIR_ERR_PARSE_FAILED:
      return "a file on the host could not be used";
    case VIR_ERR_SYSTEM_ERROR:
      return "system error on the host";
    case VIR_ERR_NO_DOMAIN:
      return "domain not found";
    case VIR_ERR_NO_NETWORK:
      return "network not found";
    case VIR_ERR_AUTH_FAILED:
    case VIR_ERR_AUTH_UNAVAILABLE:
    case VIR_ERR_AUTH_CANCELLED:
      return "authentication failed";
    case VIR_ERR_OPERATION_INVALID:
      return "not possible in the object's current state";
    case VIR_ERR_CONFIG_UNSUPPORTED:
      return "configuration not supported by the host";
    case VIR_ERR_OPERATION_TIMEOUT:
      return "timed out";
    case VIR_ERR_RESOURCE_BUSY:
      return "resource busy";
    case VIR_ERR_NO_DOMAIN_METADATA:
      return "domain metadata not found";
    case VIR_ERR_CPU_INCOMPATIBLE:
      return "CPU incompatible with the host";
    default:
      return nullptr;
  }
}

}  // namespace

std::string libvirtErrorSummary(std::string_view what, int domain, int code) {
  const char* name = domainName(domain);
  const char* phrase = phraseOf(code);
  std::string out(what);
  out += ": ";
  out += phrase != nullptr ? phrase : "libvirt error";
  out += " (libvirt error class ";
  out += name != nullptr ? name : std::to_string(domain);
  out += ", code " + std::to_string(code) + ")";
  return out;
}

}  // namespace stele::hypervisor
