// The Stele <metadata> element a domain carries so a restarted server can recognise it:
//   <stele:instance xmlns:stele='https://stele.dev/xmlns/instance/1' id='...' deployment='...'
//                   revision='...' image-digest='...'/>
#pragma once

#include <string_view>

#include "common/error.h"
#include "hypervisor/domain_spec.h"

namespace stele::hypervisor {

inline constexpr std::string_view kSteleMetadataNamespace = "https://stele.dev/xmlns/instance/1";
inline constexpr std::string_view kSteleMetadataPrefix = "stele";

// Parses the element libvirt hands back (virDomainGetMetadata returns it with or without the
// prefix and xmlns). Unescapes the five predefined entities and numeric references, then
// validates the values. InvalidArgument "invalid_stele_metadata" if malformed.
Result<InstanceMetadata> parseSteleMetadata(std::string_view xml);

}  // namespace stele::hypervisor
