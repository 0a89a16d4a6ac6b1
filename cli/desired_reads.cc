// `stele get deployments [NAME]` and `stele get networks [NAME]`, tables or `-o json`.
#include <cstdio>

#include "cli/client_context.h"
#include "cli/commands.h"

namespace stele::cli {
namespace {

using nlohmann::json;

std::string conditionText(const json& status) {
  const json& c = status.value("condition", json());
  if (c.is_object()) return fieldText(c, "reason");
  int available = status.value("availableInstances", 0);
  return available == status.value("replicas", 0) ? "Ready" : "Progressing";
}

std::vector<std::string> deploymentRow(const json& d) {
  const json meta = d.value("metadata", json::object());
  const json status = d.value("status", json::object());
  return {fieldText(meta, "name"), fieldText(meta, "revision"),
          std::to_string(status.value("availableInstances", 0)) + "/" +
              std::to_string(status.value("replicas", 0)),
          fieldText(status, "image"), conditionText(status)};
}

const std::vector<std::string> kDeploymentHeader = {"NAME", "REVISION", "READY/REPLICAS", "IMAGE",
                                                    "CONDITION"};

std::vector<std::string> networkRow(const json& n) {
  const json& spec = n.value("spec", json::object());
  return {fieldText(n.value("metadata", json::object()), "name"), fieldText(spec, "cidr"),
          fieldText(spec, "hostAddress")};
}

void deploymentDetail(const json& d) {
  const json c = d.value("status", json::object()).value("condition", json());
  if (c.is_object()) std::printf("condition: %s\n", fieldText(c, "message").c_str());
}

// Lists ITEMS from `path`, or the one object at `path/NAME`, as a table of `row`s or JSON;
// `detail` adds lines under a one-object table.
int getObjects(HttpClient& client, const Args& args, const std::string& path,
               const std::vector<std::string>& header, std::vector<std::string> (*row)(const json&),
               void (*detail)(const json&) = nullptr) {
  const auto& pos = args.positionals();
  bool one = pos.size() == 2;
  auto answer = callJson(client, "GET", one ? path + "/" + urlSegment(pos[1]) : path);
  if (!answer) return reportError(answer.error());
  if (args.valueOr("o", "") == "json") {
    std::puts((one ? *answer : (*answer)["items"]).dump(2).c_str());
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  if (one) {
    rows.push_back(row(*answer));
  } else {
    for (const auto& item : (*answer)["items"]) rows.push_back(row(item));
  }
  printTable(header, rows);
  if (one && detail != nullptr) detail(*answer);
  return 0;
}

}  // namespace

int getDeployments(HttpClient& client, const Args& args) {
  return getObjects(client, args, "/v1/deployments", kDeploymentHeader, deploymentRow,
                    deploymentDetail);
}

int getNetworks(HttpClient& client, const Args& args) {
  return getObjects(client, args, "/v1/networks", {"NAME", "CIDR", "HOST-ADDRESS"}, networkRow);
}

}  // namespace stele::cli
