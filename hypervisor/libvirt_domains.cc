#include "hypervisor/libvirt_domains.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <cstdlib>

#include "hypervisor/libvirt_error.h"
#include "hypervisor/lifecycle_event_mapping.h"
#include "hypervisor/stele_metadata.h"

namespace stele::hypervisor {

void DomainFree::operator()(_virDomain* domain) const { virDomainFree(domain); }
void NetworkFree::operator()(_virNetwork* network) const { virNetworkFree(network); }

ConnectionHandle adoptConnection(_virConnect* connection) {
  return ConnectionHandle(connection, [](_virConnect* c) { virConnectClose(c); });
}

namespace {

struct DomainList {
  virDomainPtr* domains = nullptr;
  int count = 0;
  DomainList() = default;
  DomainList(const DomainList&) = delete;
  DomainList& operator=(const DomainList&) = delete;
  ~DomainList() {
    for (int i = 0; i < count; ++i) virDomainFree(domains[i]);
    std::free(domains);
  }
};

std::string domainNameOf(virDomainPtr domain) {
  const char* name = virDomainGetName(domain);
  return name == nullptr ? std::string() : std::string(name);
}

}  // namespace

std::optional<InstanceMetadata> steleMetadataOf(_virDomain* domain) {
  const std::string uri(kSteleMetadataNamespace);
  char* xml = virDomainGetMetadata(domain, VIR_DOMAIN_METADATA_ELEMENT, uri.c_str(),
                                   VIR_DOMAIN_AFFECT_CURRENT);
  if (xml == nullptr) {
    virResetLastError();
    return std::nullopt;
  }
  auto metadata = parseSteleMetadata(xml);
  std::free(xml);
  if (!metadata) return std::nullopt;
  return *metadata;
}

Result<DomainState> domainStateOf(_virDomain* domain) {
  int state = 0;
  int reason = 0;
  if (virDomainGetState(domain, &state, &reason, 0) < 0) {
    return fail(
        takeLibvirtError("domain_state_failed", "read state of domain " + domainNameOf(domain)));
  }
  return domainStateFromLibvirt(state);
}

Result<std::vector<InstanceInfo>> listSteleDomains(_virConnect* connection) {
  DomainList list;
  list.count = virConnectListAllDomains(connection, &list.domains, 0);
  if (list.count < 0) {
    list.count = 0;
    return fail(takeLibvirtError("list_domains_failed", "list domains"));
  }
  std::vector<InstanceInfo> instances;
  for (int i = 0; i < list.count; ++i) {
    auto metadata = steleMetadataOf(list.domains[i]);
    if (!metadata) continue;
    auto state = domainStateOf(list.domains[i]);
    if (!state) {
      if (state.error().kind == ErrorKind::NotFound) continue;  // vanished meanwhile
      return fail(state.error());
    }
    instances.push_back({std::move(*metadata), domainNameOf(list.domains[i]), *state});
  }
  return instances;
}

Result<DomainHandle> findInstanceDomain(_virConnect* connection, const InstanceId& instance,
                                        const std::optional<std::string>& likelyName) {
  if (likelyName) {
    DomainHandle domain(virDomainLookupByName(connection, likelyName->c_str()));
    if (domain) {
      auto metadata = steleMetadataOf(domain.get());
      if (metadata && metadata->instanceId == instance) return domain;
    } else {
      virResetLastError();
    }
  }
  DomainList list;
  list.count = virConnectListAllDomains(connection, &list.domains, 0);
  if (list.count < 0) {
    list.count = 0;
    return fail(takeLibvirtError("list_domains_failed", "list domains"));
  }
  for (int i = 0; i < list.count; ++i) {
    auto metadata = steleMetadataOf(list.domains[i]);
    if (metadata && metadata->instanceId == instance) {
      DomainHandle found(list.domains[i]);
      list.domains[i] = list.domains[list.count - 1];
      --list.count;
      return found;
    }
  }
  return fail(ErrorKind::NotFound, "instance_not_found",
              "no domain carries instance id " + instance);
}

bool domainExists(_virConnect* connection, const std::string& domainName) {
  DomainHandle domain(virDomainLookupByName(connection, domainName.c_str()));
  if (!domain) virResetLastError();
  return static_cast<bool>(domain);
}

Result<DomainHandle> defineAndStart(_virConnect* connection, const std::string& domainXml,
                                    const std::string& domainName) {
  DomainHandle domain(
      virDomainDefineXMLFlags(connection, domainXml.c_str(), VIR_DOMAIN_DEFINE_VALIDATE));
  if (!domain) return fail(takeLibvirtError("domain_define_failed", "define domain " + domainName));
  if (virDomainCreate(domain.get()) < 0) {
    Error error = takeLibvirtError("domain_start_failed", "start domain " + domainName);
    if (virDomainUndefine(domain.get()) < 0) {
      Error undefine = takeLibvirtError("domain_undefine_failed", "undefine");
      error.message += " (and undefining it failed: " + undefine.message + ")";
      error.detail += " (and " + undefine.detail + ")";
    }
    return fail(std::move(error));
  }
  return domain;
}

Result<void> destroyAndUndefine(_virDomain* domain, const std::string& domainName) {
  if (virDomainIsActive(domain) == 1 && virDomainDestroy(domain) < 0) {
    // It may have stopped between the check and the call.
    if (lastLibvirtErrorNumber() != VIR_ERR_OPERATION_INVALID) {
      return fail(takeLibvirtError("domain_destroy_failed", "destroy domain " + domainName));
    }
    virResetLastError();
  }
  if (virDomainUndefineFlags(domain, 0) < 0) {
    return fail(takeLibvirtError("domain_undefine_failed", "undefine domain " + domainName));
  }
  return {};
}

Result<HostResources> hostResourcesOf(_virConnect* connection) {
  virNodeInfo node{};
  if (virNodeGetInfo(connection, &node) < 0) {
    return fail(takeLibvirtError("node_info_failed", "read host capacity"));
  }
  HostResources resources;
  resources.cpus = node.cpus;
  resources.memoryMiB = node.memory / 1024;
  DomainList list;
  list.count = virConnectListAllDomains(connection, &list.domains, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
  if (list.count < 0) {
    list.count = 0;
    return fail(takeLibvirtError("list_domains_failed", "list active domains"));
  }
  for (int i = 0; i < list.count; ++i) {
    virDomainInfo info{};
    if (virDomainGetInfo(list.domains[i], &info) < 0) {
      virResetLastError();  // stopped meanwhile
      continue;
    }
    ++resources.activeDomains;
    resources.allocatedVcpus += info.nrVirtCpu;
    resources.allocatedMemoryMiB += info.maxMem / 1024;
  }
  return resources;
}

}  // namespace stele::hypervisor
