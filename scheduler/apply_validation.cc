#include "scheduler/apply_validation.h"

#include <set>

#include "scheduler/config_validation.h"

namespace stele::scheduler {
namespace {

std::set<std::uint32_t> addressesOf(const InterfaceRequest& nic) {
  std::set<std::uint32_t> out;
  for (std::size_t i = 0; i < nic.capacity(); ++i) out.insert(nic.addressAt(i));
  return out;
}

std::string interfacePath(std::size_t i, const InterfaceRequest& nic) {
  return "spec.interfaces[" + std::to_string(i) + "]." + (nic.pool ? "pool" : "addresses");
}

}  // namespace

Result<void> validateDeploymentInterfaces(const DocumentRef& doc,
                                          const DeploymentResource& deployment,
                                          const std::map<std::string, NetworkResource>& networks,
                                          const std::vector<const DeploymentResource*>& others) {
  for (std::size_t i = 0; i < deployment.interfaces.size(); ++i) {
    const auto& nic = deployment.interfaces[i];
    auto network = networks.find(nic.network);
    if (network == networks.end()) {
      return referenceError(doc, "spec.interfaces[" + std::to_string(i) + "].network",
                            "network " + nic.network + " does not exist");
    }
    const NetworkResource& net = network->second;
    std::set<std::uint32_t> mine = addressesOf(nic);
    for (std::uint32_t address : mine) {
      std::string text = formatIpv4(address);
      if (!net.cidr.contains(address)) {
        return referenceError(
            doc, interfacePath(i, nic),
            text + " is outside network " + nic.network + " (" + net.cidr.text() + ")");
      }
      if (address == net.cidr.network || address == net.cidr.broadcast() ||
          (net.hostAddress && address == *net.hostAddress)) {
        return referenceError(
            doc, interfacePath(i, nic),
            text + " is the network, broadcast or host address of " + nic.network);
      }
    }
    for (const DeploymentResource* other : others) {
      for (const auto& theirs : other->interfaces) {
        if (theirs.network != nic.network) continue;
        for (std::uint32_t address : addressesOf(theirs)) {
          if (mine.count(address) != 0) {
            return referenceError(doc, interfacePath(i, nic),
                                  formatIpv4(address) + " on " + nic.network +
                                      " belongs to deployment " + other->meta.name);
          }
        }
      }
    }
  }
  return {};
}

Result<void> validateDeploymentReferences(const DocumentRef& doc,
                                          const DeploymentResource& deployment,
                                          const ResolvedImage& image,
                                          const std::map<std::string, NetworkResource>& networks,
                                          const std::vector<const DeploymentResource*>& others,
                                          ConfigValues values) {
  if (image.manifest.bootKind != "kernel") {
    return referenceError(doc, "spec.image", "only direct-kernel-boot images can be deployed");
  }
  if (auto r = validateDeploymentInterfaces(doc, deployment, networks, others); !r) return r;
  return validateDeploymentConfig(doc, deployment, image.manifest, networks, values);
}

}  // namespace stele::scheduler
