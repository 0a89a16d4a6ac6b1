// What the e2e tests that deploy the real appliance images (images/build-images.sh) share:
// the dmz Network and dns Deployment they apply, and a look at a web appliance's page from
// inside the network namespace its host's bridge lives in.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace stele::testing {

// Success when images/build-images.sh has built each of `names` below `imagesDir`.
::testing::AssertionResult applianceImagesBuilt(const std::string& imagesDir,
                                                const std::vector<std::string>& names);

// The Network dmz (10.0.0.0/24, host address 10.0.0.254), then a document separator.
extern const char* const kDmzNetworkYaml;

// A Deployment of one dns appliance at 10.0.0.53, authoritative for example.test with
// www.example.test A `wwwAddress`, checked by its console "dns ready" line. `extra` follows
// the healthCheck block: lines indented by 4 add to it, lines indented by 2 to the spec.
std::string dnsDeploymentYaml(const std::string& wwwAddress, const std::string& extra = "");

// GET http://ADDRESS/ with curl inside the network namespace `netns`; "" when it failed.
std::string pageInNamespace(const std::string& netns, const std::string& address);

}  // namespace stele::testing
