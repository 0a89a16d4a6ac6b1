// A Deployment's spec.config checked against its image: the keys the manifest declares, then
// the values, by the grammar of the appliance the manifest names (appliance_grammar.h). Pure.
#pragma once

#include <map>
#include <string>

#include "common/error.h"
#include "images/manifest.h"
#include "scheduler/field_reader.h"
#include "scheduler/resources.h"

namespace stele::scheduler {

// Config keys Stele writes itself for every instance; a deployment may not set them.
bool isSteleWrittenConfigKey(const std::string& key);

// Unprocessable ("reference_invalid") errors naming the document and field path:
// - keys: a key the image does not declare or that Stele writes, a required key missing;
// - values, when the manifest's `appliance` annotation names a grammar: the config each replica
//   will boot with (renderInstanceConfig; the first 16 ordinals and the last) run through that
//   appliance's parser. A refused value is named by the user's spec.config line, the directive
//   and the parser's reason (`spec.config line 3: record: 'x' is not an IPv4 address`), with the
//   rendered line when placeholders made it; a whole-config refusal (a required directive
//   missing) by spec.config; a refused line Stele writes by the field it comes from
//   (spec.interfaces[i], spec.image, metadata.name). Other images get the key checks only.
// ConfigValues::AlreadyChecked runs the key checks only: for a caller that ran the values
// through the grammar before, against the same networks (the apply runs the grammar, which can
// take milliseconds for a large zone, before its write transaction).
enum class ConfigValues { Check, AlreadyChecked };
Result<void> validateDeploymentConfig(const DocumentRef& doc, const DeploymentResource& deployment,
                                      const images::Manifest& manifest,
                                      const std::map<std::string, NetworkResource>& networks,
                                      ConfigValues values = ConfigValues::Check);

}  // namespace stele::scheduler
