// Domain operations on one libvirt connection (internal to the module).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "hypervisor/hypervisor.h"
#include "hypervisor/libvirt_handles.h"

namespace stele::hypervisor {

// Every domain (active or not) that carries Stele metadata.
Result<std::vector<InstanceInfo>> listSteleDomains(_virConnect* connection);

// The Stele metadata of a domain, if it has any.
std::optional<InstanceMetadata> steleMetadataOf(_virDomain* domain);

// Finds the domain of an instance: by `likelyName` first (verified by its metadata), else by
// scanning. NotFound if absent.
Result<DomainHandle> findInstanceDomain(_virConnect* connection, const InstanceId& instance,
                                        const std::optional<std::string>& likelyName);

Result<DomainState> domainStateOf(_virDomain* domain);

// define (VIR_DOMAIN_DEFINE_VALIDATE) + start. On failure the definition is undone.
Result<DomainHandle> defineAndStart(_virConnect* connection, const std::string& domainXml,
                                    const std::string& domainName);

// destroy (if running) + undefine.
Result<void> destroyAndUndefine(_virDomain* domain, const std::string& domainName);

Result<HostResources> hostResourcesOf(_virConnect* connection);

bool domainExists(_virConnect* connection, const std::string& domainName);

}  // namespace stele::hypervisor
