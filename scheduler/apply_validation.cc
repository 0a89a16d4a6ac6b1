#include "scheduler/apply_validation.h"

#include <set>
#include <sstream>

namespace stele::scheduler {
namespace {

std::unexpected<Error> unprocessable(const DocumentRef& doc, const std::string& path,
                                     const std::string& reason) {
  return fieldError(doc, path, reason, ErrorKind::Unprocessable, "reference_invalid");
}

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
      return unprocessable(doc, "spec.interfaces[" + std::to_string(i) + "].network",
                           "network " + nic.network + " does not exist");
    }
    const NetworkResource& net = network->second;
    std::set<std::uint32_t> mine = addressesOf(nic);
    for (std::uint32_t address : mine) {
      std::string text = formatIpv4(address);
      if (!net.cidr.contains(address)) {
        return unprocessable(
            doc, interfacePath(i, nic),
            text + " is outside network " + nic.network + " (" + net.cidr.text() + ")");
      }
      if (address == net.cidr.network || address == net.cidr.broadcast() ||
          (net.hostAddress && address == *net.hostAddress)) {
        return unprocessable(doc, interfacePath(i, nic),
                             text + " is the network, broadcast or host address of " + nic.network);
      }
    }
    for (const DeploymentResource* other : others) {
      for (const auto& theirs : other->interfaces) {
        if (theirs.network != nic.network) continue;
        for (std::uint32_t address : addressesOf(theirs)) {
          if (mine.count(address) != 0) {
            return unprocessable(doc, interfacePath(i, nic),
                                 formatIpv4(address) + " on " + nic.network +
                                     " belongs to deployment " + other->meta.name);
          }
        }
      }
    }
  }
  return {};
}

namespace {

Result<void> checkConfigKeys(const DocumentRef& doc, const DeploymentResource& deployment,
                             const ResolvedImage& image) {
  std::map<std::string, const images::ConfigKey*> declared;
  for (const auto& key : image.manifest.config) declared[key.key] = &key;
  std::set<std::string> given;
  std::istringstream lines(deployment.config);
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    auto start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    auto end = line.find_first_of(" \t", start);
    std::string key = line.substr(start, end == std::string::npos ? end : end - start);
    std::string where = "spec.config line " + std::to_string(number);
    if (isSteleWrittenConfigKey(key)) {
      return unprocessable(doc, where, "\"" + key + "\" is written by Stele for each instance");
    }
    if (declared.count(key) == 0) {
      std::string known;
      for (const auto& [name, _] : declared) {
        if (!isSteleWrittenConfigKey(name)) known += (known.empty() ? "" : ", ") + name;
      }
      return unprocessable(doc, where,
                           "\"" + key.substr(0, 40) + "\" is not a config key of image " +
                               image.name + ":" + image.version + " (it accepts: " + known + ")");
    }
    given.insert(key);
  }
  for (const auto& [name, key] : declared) {
    if (key->required && !isSteleWrittenConfigKey(name) && given.count(name) == 0) {
      return unprocessable(doc, "spec.config",
                           "image " + image.name + ":" + image.version + " requires \"" + name +
                               "\" (" + key->description.substr(0, 80) + ")");
    }
  }
  return {};
}

}  // namespace

bool isSteleWrittenConfigKey(const std::string& key) {
  return key == "instance" || key == "version" || key == "interface";
}

Result<void> validateDeploymentReferences(const DocumentRef& doc,
                                          const DeploymentResource& deployment,
                                          const ResolvedImage& image,
                                          const std::map<std::string, NetworkResource>& networks,
                                          const std::vector<const DeploymentResource*>& others) {
  if (image.manifest.bootKind != "kernel") {
    return unprocessable(doc, "spec.image", "only direct-kernel-boot images can be deployed");
  }
  if (auto r = validateDeploymentInterfaces(doc, deployment, networks, others); !r) return r;
  return checkConfigKeys(doc, deployment, image);
}

}  // namespace stele::scheduler
