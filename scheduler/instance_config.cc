#include "scheduler/instance_config.h"

#include <algorithm>
#include <cstdio>

#include "hypervisor/mac_address.h"
#include "hypervisor/stable_hash.h"

namespace stele::scheduler {
namespace {

bool declares(const images::Manifest& manifest, const std::string& key) {
  return std::any_of(manifest.config.begin(), manifest.config.end(),
                     [&key](const images::ConfigKey& k) { return k.key == key; });
}

}  // namespace

std::string libvirtNetworkName(const std::string& network) { return "stele-" + network; }

std::string bridgeName(const std::string& network) {
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x",
                static_cast<unsigned>(hypervisor::mixedHash64("network:" + network) & 0xffffffffu));
  return std::string("stl") + hex;
}

std::map<std::string, std::string> instanceAddresses(const DeploymentResource& deployment,
                                                     int ordinal) {
  std::map<std::string, std::string> out;
  for (const auto& nic : deployment.interfaces) {
    if (static_cast<std::size_t>(ordinal) < nic.capacity()) {
      out[nic.network] = formatIpv4(nic.addressAt(static_cast<std::size_t>(ordinal)));
    }
  }
  return out;
}

RenderedConfig renderInstanceConfigParts(const DeploymentResource& deployment,
                                         const std::map<std::string, NetworkResource>& networks,
                                         const images::Manifest& manifest,
                                         const InstanceIdentity& who) {
  std::map<std::string, std::string> values = {{"ordinal", std::to_string(who.ordinal)},
                                               {"instance", who.id},
                                               {"deployment", deployment.meta.name}};
  std::string out;
  if (declares(manifest, "instance")) out += "instance " + who.id + "\n";
  if (declares(manifest, "version")) out += "version " + who.imageVersion + "\n";
  auto addresses = instanceAddresses(deployment, who.ordinal);
  for (std::size_t i = 0; i < deployment.interfaces.size(); ++i) {
    const std::string& network = deployment.interfaces[i].network;
    auto net = networks.find(network);
    int length = net == networks.end() ? 24 : net->second.cidr.length;
    if (declares(manifest, "interface") && addresses.count(network) != 0) {
      out += "interface " + hypervisor::macAddressFor(who.id, i) + " " + addresses[network] + "/" +
             std::to_string(length) + "\n";
    }
    values["address." + network] = addresses.count(network) ? addresses[network] : "";
    values["prefixLength." + network] = std::to_string(length);
    values["hostAddress." + network] = net != networks.end() && net->second.hostAddress
                                           ? formatIpv4(*net->second.hostAddress)
                                           : "";
  }
  RenderedConfig rendered{std::move(out), ""};
  std::string& filled = rendered.templateLines;
  const std::string& text = deployment.config;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto start = text.find("${", pos);
    auto end = start == std::string::npos ? std::string::npos : text.find('}', start);
    if (end == std::string::npos) {
      filled += text.substr(pos);
      break;
    }
    filled += text.substr(pos, start - pos);
    auto value = values.find(text.substr(start + 2, end - start - 2));
    filled += value == values.end() ? "" : value->second;
    pos = end + 1;
  }
  if (!filled.empty() && filled.back() != '\n') filled += "\n";
  return rendered;
}

std::string renderInstanceConfig(const DeploymentResource& deployment,
                                 const std::map<std::string, NetworkResource>& networks,
                                 const images::Manifest& manifest, const InstanceIdentity& who) {
  return renderInstanceConfigParts(deployment, networks, manifest, who).text();
}

}  // namespace stele::scheduler
