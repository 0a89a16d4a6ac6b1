#include "scheduler/config_validation.h"

#include <algorithm>
#include <optional>
#include <set>
#include <sstream>

#include "scheduler/appliance_grammar.h"
#include "scheduler/instance_config.h"

namespace stele::scheduler {
namespace {

std::string firstWordOf(const std::string& line) {
  auto start = line.find_first_not_of(" \t");
  if (start == std::string::npos) return "";
  auto end = line.find_first_of(" \t", start);
  return line.substr(start, end == std::string::npos ? end : end - start);
}

Result<void> checkConfigKeys(const DocumentRef& doc, const DeploymentResource& deployment,
                             const images::Manifest& manifest) {
  std::map<std::string, const images::ConfigKey*> declared;
  for (const auto& key : manifest.config) declared[key.key] = &key;
  std::set<std::string> given;
  std::istringstream lines(deployment.config);
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    std::string key = firstWordOf(line);
    if (key.empty() || key[0] == '#') continue;
    std::string where = "spec.config line " + std::to_string(number);
    if (isSteleWrittenConfigKey(key)) {
      return referenceError(doc, where, "\"" + key + "\" is written by Stele for each instance");
    }
    if (declared.count(key) == 0) {
      std::string known;
      for (const auto& [name, _] : declared) {
        if (!isSteleWrittenConfigKey(name)) known += (known.empty() ? "" : ", ") + name;
      }
      return referenceError(doc, where,
                            "\"" + key.substr(0, 40) + "\" is not a config key of image " +
                                manifest.name + ":" + manifest.version + " (it accepts: " + known +
                                ")");
    }
    given.insert(key);
  }
  for (const auto& [name, key] : declared) {
    if (key->required && !isSteleWrittenConfigKey(name) && given.count(name) == 0) {
      return referenceError(doc, "spec.config",
                            "image " + manifest.name + ":" + manifest.version + " requires \"" +
                                name + "\" (" + key->description.substr(0, 80) + ")");
    }
  }
  return {};
}

// Replicas differ only in the values of their placeholders: the first ones and the last one
// are checked, so a large deployment costs no more than this at apply.
constexpr int kLeadingOrdinalsChecked = 16;

std::vector<int> ordinalsToCheck(int replicas) {
  int n = std::max(replicas, 1);  // scaled to 0, it is checked as it would come back
  std::vector<int> out;
  out.reserve(kLeadingOrdinalsChecked + 1);
  for (int i = 0; i < std::min(n, kLeadingOrdinalsChecked); ++i) out.push_back(i);
  if (n > kLeadingOrdinalsChecked) out.push_back(n - 1);
  return out;
}

// Line `number` (1-based) of `text`, at most 120 characters of it.
std::string lineOf(const std::string& text, int number) {
  std::istringstream lines(text);
  std::string line;
  for (int i = 0; i < number && std::getline(lines, line); ++i) {
  }
  return line.substr(0, 120);
}

// The field a line Stele writes comes from.
std::string sourceOfSteleLine(const std::string& key) {
  if (key == "version") return "spec.image";
  if (key == "instance") return "metadata.name";
  return "spec";
}

// Stele's `interface MAC ...` lines are spec.interfaces in order: `text` with each of their
// MACs (which only Stele knows) replaced by the entry it stands for.
std::string withInterfaceNames(std::string text, const std::string& steleLines,
                               const DeploymentResource& deployment) {
  std::istringstream lines(steleLines);
  std::string line;
  std::size_t nic = 0;
  while (std::getline(lines, line) && nic < deployment.interfaces.size()) {
    if (firstWordOf(line) != "interface") continue;
    std::string mac = firstWordOf(line.substr(std::string("interface").size()));
    std::string name =
        "spec.interfaces[" + std::to_string(nic) + "] (" + deployment.interfaces[nic].network + ")";
    for (auto at = text.find(mac); !mac.empty() && at != std::string::npos;
         at = text.find(mac, at + name.size())) {
      text.replace(at, mac.size(), name);
    }
    ++nic;
  }
  return text;
}

// Which entry of spec.interfaces Stele's line `number` was written for (nullopt: not an
// interface line).
std::optional<std::size_t> interfaceOfSteleLine(const std::string& steleLines, int number) {
  std::istringstream lines(steleLines);
  std::string line;
  std::size_t nic = 0;
  for (int i = 1; std::getline(lines, line); ++i) {
    bool isInterface = firstWordOf(line) == "interface";
    if (i == number) return isInterface ? std::optional<std::size_t>(nic) : std::nullopt;
    if (isInterface) ++nic;
  }
  return std::nullopt;
}

// The appliance's grammar over the config each checked replica boots with; a refusal names the
// user's own line of spec.config (Stele's lines come first and are not counted), or the field
// a line Stele writes comes from.
Result<void> checkConfigValues(const DocumentRef& doc, const DeploymentResource& deployment,
                               const images::Manifest& manifest,
                               const std::map<std::string, NetworkResource>& networks) {
  auto appliance = applianceOf(manifest);
  if (!appliance) return {};
  std::string grammar = applianceName(*appliance);
  for (int ordinal : ordinalsToCheck(deployment.replicas)) {
    InstanceIdentity who{deployment.meta.name + "-000000", manifest.version, ordinal};
    RenderedConfig config = renderInstanceConfigParts(deployment, networks, manifest, who);
    auto refusal = checkApplianceConfig(*appliance, config.text());
    if (!refusal) continue;
    auto steleLines =
        static_cast<int>(std::count(config.steleLines.begin(), config.steleLines.end(), '\n'));
    if (refusal->line <= 0) {
      std::string note;
      if (refusal->reason.find("'interface'") != std::string::npos &&
          config.steleLines.find("interface ") != std::string::npos) {
        note = " (Stele writes the interface lines, one per entry of spec.interfaces: " +
               std::to_string(deployment.interfaces.size()) + " here)";
      }
      std::string reason = "the " + grammar + " appliance refuses the config as a whole: ";
      reason.append(refusal->reason).append(note);
      return referenceError(doc, "spec.config",
                            withInterfaceNames(reason, config.steleLines, deployment));
    }
    if (refusal->line <= steleLines) {
      std::string written = lineOf(config.steleLines, refusal->line);
      auto nic = interfaceOfSteleLine(config.steleLines, refusal->line);
      std::string field = nic ? "spec.interfaces[" + std::to_string(*nic) + "]"
                              : sourceOfSteleLine(firstWordOf(written));
      std::string reason =
          "the " + grammar + " appliance refuses the line Stele writes for replica ";
      reason.append(std::to_string(ordinal)).append(" (\"").append(written).append("\"): ");
      reason.append(refusal->reason);
      return referenceError(doc, field, withInterfaceNames(reason, config.steleLines, deployment));
    }
    int userLine = refusal->line - steleLines;
    std::string own = lineOf(deployment.config, userLine);
    std::string key = firstWordOf(own);
    bool named = refusal->reason.starts_with(key) || refusal->reason.starts_with("'" + key + "'");
    std::string reason = (key.empty() || named ? "" : key + ": ") + refusal->reason;
    if (own.find("${") != std::string::npos) {
      reason += " (replica " + std::to_string(ordinal) + " renders it as \"" +
                lineOf(config.templateLines, userLine) + "\")";
    }
    return referenceError(doc, "spec.config line " + std::to_string(userLine), reason);
  }
  return {};
}

}  // namespace

bool isSteleWrittenConfigKey(const std::string& key) {
  return key == "instance" || key == "version" || key == "interface";
}

Result<void> validateDeploymentConfig(const DocumentRef& doc, const DeploymentResource& deployment,
                                      const images::Manifest& manifest,
                                      const std::map<std::string, NetworkResource>& networks,
                                      ConfigValues values) {
  if (auto r = checkConfigKeys(doc, deployment, manifest); !r) return r;
  if (values == ConfigValues::AlreadyChecked) return {};
  return checkConfigValues(doc, deployment, manifest, networks);
}

}  // namespace stele::scheduler
