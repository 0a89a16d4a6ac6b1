// What one instance is made of, derived from its deployment: its addresses, the appliance
// config it boots with (Stele's own lines, then the deployment's template with placeholders
// filled in), and the libvirt names of its networks. Pure.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "images/manifest.h"
#include "scheduler/resources.h"

namespace stele::scheduler {

// The libvirt network and bridge a Stele network becomes on every host that carries it.
std::string libvirtNetworkName(const std::string& network);
std::string bridgeName(const std::string& network);  // at most 15 characters

// network name -> address, for the instance in slot `ordinal`.
std::map<std::string, std::string> instanceAddresses(const DeploymentResource& deployment,
                                                     int ordinal);

struct InstanceIdentity {
  std::string id;
  std::string imageVersion;
  int ordinal = 0;
};

// An instance's config in its two parts: the lines Stele writes, then the deployment's
// template filled in (line N of `templateLines` is line N of spec.config: placeholders never span
// lines, checkConfigTemplate refuses any that would).
struct RenderedConfig {
  std::string steleLines;
  std::string templateLines;

  std::string text() const { return steleLines + templateLines; }
};

// `instance`, `version` and one `interface MAC ADDRESS/LEN` line per NIC (each only where the
// image's manifest declares the key), then the template with ${ordinal}, ${instance},
// ${deployment}, ${address.NET}, ${hostAddress.NET}, ${prefixLength.NET} replaced.
RenderedConfig renderInstanceConfigParts(const DeploymentResource& deployment,
                                         const std::map<std::string, NetworkResource>& networks,
                                         const images::Manifest& manifest,
                                         const InstanceIdentity& who);
// What the instance boots with: renderInstanceConfigParts(...).text().
std::string renderInstanceConfig(const DeploymentResource& deployment,
                                 const std::map<std::string, NetworkResource>& networks,
                                 const images::Manifest& manifest, const InstanceIdentity& who);

}  // namespace stele::scheduler
