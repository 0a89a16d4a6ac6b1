// Which config grammar an image's appliance speaks, and a rendered instance config checked
// against it with the appliance's own parser (services/*/X_config.h: the very code the guest
// runs at boot, linked in, not a second copy). Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "images/manifest.h"

namespace stele::scheduler {

enum class Appliance { Web, Dns, Router, Firewall };

// The manifest annotation naming the grammar (images/build-images.sh writes it); part of the
// signed bytes like every annotation.
inline constexpr std::string_view kApplianceAnnotation = "appliance";

// The appliance the manifest's `appliance` annotation names (web, dns, router, firewall);
// nullopt when it is absent or names none of them: the config then gets key checks only.
std::optional<Appliance> applianceOf(const images::Manifest& manifest);
std::string applianceName(Appliance appliance);

// Why the appliance would refuse a config: the line of `text` (0 = the config as a whole,
// e.g. a required directive missing) and the parser's reason.
struct ConfigRefusal {
  int line = 0;
  std::string reason;
};

// nullopt when the appliance's parser accepts `text` as it would at boot.
std::optional<ConfigRefusal> checkApplianceConfig(Appliance appliance, std::string_view text);

}  // namespace stele::scheduler
