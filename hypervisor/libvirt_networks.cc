#include "hypervisor/libvirt_networks.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <cstdlib>

#include "hypervisor/libvirt_error.h"
#include "hypervisor/network_xml.h"
#include "hypervisor/spec_validation.h"

namespace stele::hypervisor {

namespace {

// True if any domain, running or defined, has an interface on the network. libvirt formats
// attributes with single quotes, and network names are restricted to [A-Za-z0-9._-].
Result<bool> networkInUse(virConnectPtr connection, const std::string& name) {
  virDomainPtr* domains = nullptr;
  int count = virConnectListAllDomains(connection, &domains, 0);
  if (count < 0) return fail(takeLibvirtError("list_domains_failed", "list domains"));
  const std::string needle = "network='" + name + "'";
  bool used = false;
  for (int i = 0; i < count; ++i) {
    if (!used) {
      char* xml = virDomainGetXMLDesc(domains[i], 0);
      if (xml != nullptr) {
        used = std::string_view(xml).find(needle) != std::string_view::npos;
        std::free(xml);
      } else {
        virResetLastError();
      }
    }
    virDomainFree(domains[i]);
  }
  std::free(domains);
  return used;
}

Result<void> stopAndUndefine(virNetworkPtr network, const std::string& name) {
  if (virNetworkIsActive(network) == 1 && virNetworkDestroy(network) < 0) {
    return fail(takeLibvirtError("network_destroy_failed", "stop network " + name));
  }
  if (virNetworkUndefine(network) < 0) {
    return fail(takeLibvirtError("network_undefine_failed", "undefine network " + name));
  }
  return {};
}

Result<void> defineAndStartNetwork(virConnectPtr connection, const std::string& xml,
                                   const std::string& name) {
  NetworkHandle network(virNetworkDefineXML(connection, xml.c_str()));
  if (!network) return fail(takeLibvirtError("network_define_failed", "define network " + name));
  if (virNetworkCreate(network.get()) < 0) {
    Error error = takeLibvirtError("network_start_failed", "start network " + name);
    virNetworkUndefine(network.get());
    virResetLastError();
    return fail(std::move(error));
  }
  if (virNetworkSetAutostart(network.get(), 1) < 0) {
    return fail(
        takeLibvirtError("network_autostart_failed", "mark network " + name + " autostart"));
  }
  return {};
}

std::string uuidOf(virNetworkPtr network) {
  char uuid[VIR_UUID_STRING_BUFLEN] = {};
  if (virNetworkGetUUIDString(network, uuid) < 0) {
    virResetLastError();
    return {};
  }
  return uuid;
}

}  // namespace

Result<void> ensureLibvirtNetwork(_virConnect* connection, const NetworkSpec& spec) {
  auto xml = buildNetworkXml(spec);
  if (!xml) return fail(xml.error());
  NetworkHandle existing(virNetworkLookupByName(connection, spec.name.c_str()));
  if (!existing) {
    if (lastLibvirtErrorNumber() != VIR_ERR_NO_NETWORK) {
      return fail(takeLibvirtError("network_lookup_failed", "look up network " + spec.name));
    }
    virResetLastError();
    return defineAndStartNetwork(connection, *xml, spec.name);
  }
  const std::string uuid = uuidOf(existing.get());
  if (uuid == networkUuidFor(spec)) {
    if (virNetworkIsActive(existing.get()) != 1 && virNetworkCreate(existing.get()) < 0) {
      return fail(takeLibvirtError("network_start_failed", "start network " + spec.name));
    }
    return {};
  }
  if (!isSteleNetworkUuid(uuid)) {
    return fail(ErrorKind::Conflict, "network_not_managed",
                "network " + spec.name + " exists and was not created by Stele");
  }
  auto used = networkInUse(connection, spec.name);
  if (!used) return fail(used.error());
  if (*used) {
    return fail(ErrorKind::Conflict, "network_spec_conflict",
                "network " + spec.name + " exists with a different spec and domains still use it");
  }
  if (auto ok = stopAndUndefine(existing.get(), spec.name); !ok) return ok;
  return defineAndStartNetwork(connection, *xml, spec.name);
}

Result<void> removeLibvirtNetwork(_virConnect* connection, const std::string& name) {
  if (!isValidName(name)) {
    return fail(ErrorKind::InvalidArgument, "invalid_network_spec",
                "network name must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  }
  NetworkHandle network(virNetworkLookupByName(connection, name.c_str()));
  if (!network) return fail(takeLibvirtError("network_not_found", "look up network " + name));
  if (!isSteleNetworkUuid(uuidOf(network.get()))) {
    return fail(ErrorKind::Conflict, "network_not_managed",
                "network " + name + " was not created by Stele");
  }
  auto used = networkInUse(connection, name);
  if (!used) return fail(used.error());
  if (*used)
    return fail(ErrorKind::Conflict, "network_in_use", "domains still use network " + name);
  return stopAndUndefine(network.get(), name);
}

}  // namespace stele::hypervisor
