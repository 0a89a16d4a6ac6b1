#include "hypervisor/libvirt_error.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "hypervisor/libvirt_error_summary.h"

namespace stele::hypervisor {

namespace {

ErrorKind kindOf(const virError* error) {
  if (error == nullptr) return ErrorKind::Internal;
  switch (error->code) {
    case VIR_ERR_NO_DOMAIN:
    case VIR_ERR_NO_NETWORK:
    case VIR_ERR_NO_DOMAIN_METADATA:
      return ErrorKind::NotFound;
    case VIR_ERR_OPERATION_INVALID:
    case VIR_ERR_DOM_EXIST:
      return ErrorKind::Conflict;
    case VIR_ERR_NO_CONNECT:
    case VIR_ERR_INVALID_CONN:
    case VIR_ERR_RPC:
    case VIR_ERR_AUTH_FAILED:
    case VIR_ERR_AUTH_UNAVAILABLE:
    case VIR_ERR_OPERATION_TIMEOUT:
      return ErrorKind::Unavailable;
    case VIR_ERR_SYSTEM_ERROR:
      return (error->domain == VIR_FROM_RPC || error->domain == VIR_FROM_REMOTE)
                 ? ErrorKind::Unavailable
                 : ErrorKind::Internal;
    default:
      return ErrorKind::Internal;
  }
}

}  // namespace

LibvirtFailure takeLibvirtFailure(const std::string& what) {
  const virError* error = virGetLastError();
  LibvirtFailure failure;
  failure.summary = libvirtErrorSummary(what, error != nullptr ? error->domain : VIR_FROM_NONE,
                                        error != nullptr ? error->code : VIR_ERR_OK);
  failure.detail = what + ": ";
  failure.detail +=
      (error != nullptr && error->message != nullptr) ? error->message : "unknown libvirt error";
  virResetLastError();
  return failure;
}

Error takeLibvirtError(std::string code, const std::string& context) {
  ErrorKind kind = kindOf(virGetLastError());
  LibvirtFailure failure = takeLibvirtFailure(context);
  return Error{kind, std::move(code), std::move(failure.summary), std::move(failure.detail)};
}

int lastLibvirtErrorNumber() {
  const virError* error = virGetLastError();
  return error == nullptr ? VIR_ERR_OK : error->code;
}

}  // namespace stele::hypervisor
