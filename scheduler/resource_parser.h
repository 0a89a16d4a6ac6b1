// Shape validation of one desired-state document: apiVersion, kind, metadata and spec, every
// field typed and range-checked, unknown fields refused. Pure: references to other objects
// (images, networks) are checked by validateReferences() in apply_validation.h.
#pragma once

#include "common/error.h"
#include "scheduler/documents.h"
#include "scheduler/resources.h"

namespace stele::scheduler {

Result<Resource> parseResource(const Document& document);

// The placeholders a config template may use, e.g. ${ordinal} or ${address.dmz}. Returns the
// first unknown or malformed placeholder's text as an error reason.
Result<void> checkConfigTemplate(const std::string& config,
                                 const std::vector<std::string>& networks);

}  // namespace stele::scheduler
