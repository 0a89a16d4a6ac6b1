// `stele host add|drain|remove`, and the table behind `stele get hosts`.
#include <cstdio>

#include "cli/client_context.h"
#include "cli/commands.h"

namespace stele::cli {
namespace {

using nlohmann::json;

std::string capacityText(const json& host) {
  if (!host["capacity"].is_object()) return "-";
  return std::to_string(host["allocated"]["vcpus"].get<int>()) + "/" +
         std::to_string(host["capacity"]["cpus"].get<int>()) + " cpu, " +
         std::to_string(host["allocated"]["memoryMiB"].get<std::int64_t>()) + "/" +
         std::to_string(host["capacity"]["memoryMiB"].get<std::int64_t>()) + " MiB";
}

std::string labelsText(const json& labels) {
  std::string out;
  for (const auto& [k, v] : labels.items())
    out += (out.empty() ? "" : ",") + k + "=" + v.get<std::string>();
  return out.empty() ? "-" : out;
}

void printHost(const json& host) {
  std::printf("host %s %s%s\n", host["name"].get<std::string>().c_str(),
              host["state"].get<std::string>().c_str(),
              host["draining"].get<bool>() ? " (draining)" : "");
  if (!host["lastError"].get<std::string>().empty()) {
    std::printf("  last error: %s\n", host["lastError"].get<std::string>().c_str());
  }
}

}  // namespace

int printHosts(const json& items, bool asJson) {
  if (asJson) {
    std::puts(items.dump(2).c_str());
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& h : items) {
    rows.push_back({h["name"],
                    std::string(h["state"]) + (h["draining"].get<bool>() ? ",draining" : ""),
                    h["accel"], capacityText(h),
                    h["instances"].is_number() ? std::to_string(h["instances"].get<int>()) : "-",
                    labelsText(h["labels"]), h["uri"]});
  }
  printTable({"NAME", "STATE", "ACCEL", "ALLOCATED/CAPACITY", "INSTANCES", "LABELS", "URI"}, rows);
  return 0;
}

int runHost(const Argv& argv) {
  auto args = Args::parse(argv, clientFlags({"uri", "accel", "label", "probe-netns"}), {"force"});
  if (!args) return reportError(args.error());
  const auto& pos = args->positionals();
  std::string verb = pos.empty() ? "" : pos[0];
  HttpClient client = makeClient(*args);
  if (verb == "add" && pos.size() == 2) {
    auto uri = args->value("uri");
    if (!uri) return reportError({ErrorKind::InvalidArgument, "usage", "--uri is required"});
    json labels = json::object();
    for (const auto& l : args->values("label")) {
      auto eq = l.find('=');
      if (eq == std::string::npos) {
        return reportError({ErrorKind::InvalidArgument, "usage", "--label must be KEY=VALUE"});
      }
      labels[l.substr(0, eq)] = l.substr(eq + 1);
    }
    json body = {{"name", pos[1]},
                 {"uri", *uri},
                 {"accel", args->valueOr("accel", "kvm")},
                 {"labels", labels},
                 {"probeNetns", args->valueOr("probe-netns", "")}};
    auto host = callJson(client, "POST", "/v1/hosts", body.dump());
    if (!host) return reportError(host.error());
    printHost(*host);
    return 0;
  }
  if (verb == "drain" && pos.size() == 2) {
    auto host = callJson(client, "POST", "/v1/hosts/" + urlSegment(pos[1]) + "/drain");
    if (!host) return reportError(host.error());
    printHost(*host);
    return 0;
  }
  if (verb == "remove" && pos.size() == 2) {
    std::string path =
        "/v1/hosts/" + urlSegment(pos[1]) + (args->has("force") ? "?force=true" : "");
    auto done = callJson(client, "DELETE", path);
    if (!done) return reportError(done.error());
    std::printf("host %s removed\n", pos[1].c_str());
    return 0;
  }
  return reportError(
      {ErrorKind::InvalidArgument, "usage",
       "usage: stele host add NAME --uri URI [--accel kvm|qemu] [--label k=v] [--probe-netns NS] | "
       "drain NAME | remove NAME [--force]"});
}

}  // namespace stele::cli
