// Checks of a Deployment against what it refers to: its image (resolved and trusted by the
// caller), its networks, and the addresses other deployments hold. Pure.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/error.h"
#include "images/manifest.h"
#include "scheduler/config_validation.h"
#include "scheduler/field_reader.h"
#include "scheduler/resources.h"

namespace stele::scheduler {

// An image version a deployment may run, as the registry's deploy gate returned it.
struct ResolvedImage {
  std::string name;
  std::string version;
  std::string manifestDigest;
  images::Manifest manifest;
  std::vector<std::string> signerKeys;
};

// Its networks exist, and each of its addresses lies inside its network, is not the network,
// broadcast or host address, and is not held by another deployment. Unprocessable
// ("reference_invalid"), naming the document and field path.
Result<void> validateDeploymentInterfaces(const DocumentRef& doc,
                                          const DeploymentResource& deployment,
                                          const std::map<std::string, NetworkResource>& networks,
                                          const std::vector<const DeploymentResource*>& others);

// validateDeploymentInterfaces, then the image: Unprocessable ("reference_invalid") errors name the
// document and field path: a network that is not there, an address outside its network or on its
// network/broadcast/host address, an address another deployment holds, an image that cannot boot
// directly, and spec.config as validateDeploymentConfig (config_validation.h) checks it.
Result<void> validateDeploymentReferences(const DocumentRef& doc,
                                          const DeploymentResource& deployment,
                                          const ResolvedImage& image,
                                          const std::map<std::string, NetworkResource>& networks,
                                          const std::vector<const DeploymentResource*>& others,
                                          ConfigValues values = ConfigValues::Check);

}  // namespace stele::scheduler
