// `stele get KIND` (images here; the other kinds in their own files), `stele image
// verify|delete NAME:VERSION`.
#include <cstdio>
#include <cstring>
#include <map>

#include "cli/client_context.h"
#include "cli/commands.h"
#include "cli/size_units.h"

namespace stele::cli {
namespace {

using nlohmann::json;

Result<std::pair<std::string, std::string>> splitRef(const std::string& ref) {
  auto colon = ref.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == ref.size()) {
    return fail(ErrorKind::InvalidArgument, "usage", "image reference must be NAME:VERSION");
  }
  return std::pair{ref.substr(0, colon), ref.substr(colon + 1)};
}

std::string versionPath(const std::pair<std::string, std::string>& ref) {
  return "/v1/images/" + urlSegment(ref.first) + "/versions/" + urlSegment(ref.second);
}

int getImages(HttpClient& client, const Args& args) {
  bool asJson = args.valueOr("o", "") == "json";
  const auto& pos = args.positionals();
  if (pos.size() == 2) {
    auto image = callJson(client, "GET", "/v1/images/" + urlSegment(pos[1]));
    if (!image) return reportError(image.error());
    if (asJson) {
      std::puts(image->dump(2).c_str());
      return 0;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& v : (*image)["versions"]) {
      std::string signers;
      for (const auto& s : v["signers"])
        signers += (signers.empty() ? "" : ",") + s.get<std::string>().substr(0, 12);
      rows.push_back({v["version"], formatSize(v["size"].get<std::int64_t>()), signers,
                      v["pushedAt"], v["manifestDigest"].get<std::string>().substr(0, 19)});
    }
    printTable({"VERSION", "SIZE", "SIGNERS", "PUSHED", "DIGEST"}, rows);
    return 0;
  }
  auto images = callJson(client, "GET", "/v1/images");
  if (!images) return reportError(images.error());
  if (asJson) {
    std::puts((*images)["items"].dump(2).c_str());
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& i : (*images)["items"]) {
    rows.push_back({i["name"], std::to_string(i["versions"].get<std::int64_t>()),
                    i["latestVersion"],
                    i["latestPushedAt"].is_string() ? i["latestPushedAt"] : "-"});
  }
  printTable({"NAME", "VERSIONS", "LATEST", "PUSHED"}, rows);
  return 0;
}

// Which flags each `stele get KIND` takes beyond --server/--token/-o.
const std::map<std::string, std::set<std::string>>& getFlags() {
  static const std::map<std::string, std::set<std::string>> flags = {
      {"images", {}},
      {"hosts", {}},
      {"deployments", {}},
      {"networks", {}},
      {"instances", {"deployment"}},
      {"events", {"deployment", "instance", "w", "watch"}}};
  return flags;
}

}  // namespace

int runGet(const Argv& argv) {
  auto args = Args::parse(argv, clientFlags({"o", "deployment", "instance"}), {"w", "watch"});
  if (!args) return reportError(args.error());
  const auto& pos = args->positionals();
  std::string kind = pos.empty() ? "" : pos[0];
  auto allowed = getFlags().find(kind);
  if (allowed == getFlags().end() || pos.size() > 2 || (kind == "hosts" && pos.size() > 1)) {
    return reportError(
        {ErrorKind::InvalidArgument, "usage",
         "usage: stele get images [NAME] | hosts | deployments [NAME] | networks [NAME] | "
         "instances [ID] [--deployment NAME] | events [--deployment NAME] [--instance ID] [-w]"
         " (each with -o json)"});
  }
  for (const char* flag : {"deployment", "instance", "w", "watch"}) {
    if (args->has(flag) && !allowed->second.contains(flag)) {
      return reportError({ErrorKind::InvalidArgument, "usage",
                          std::string(std::strlen(flag) == 1 ? "-" : "--") + flag +
                              " does not apply to get " + kind});
    }
  }
  HttpClient client = makeClient(*args);
  if (kind == "images") return getImages(client, *args);
  if (kind == "deployments") return getDeployments(client, *args);
  if (kind == "networks") return getNetworks(client, *args);
  if (kind == "instances") return getInstances(client, *args);
  if (kind == "events") return getEvents(client, *args);
  auto hosts = callJson(client, "GET", "/v1/hosts");
  if (!hosts) return reportError(hosts.error());
  return printHosts((*hosts)["items"], args->valueOr("o", "") == "json");
}

int runImage(const Argv& argv) {
  auto args = Args::parse(argv, clientFlags({"o"}));
  if (!args) return reportError(args.error());
  const auto& pos = args->positionals();
  if (pos.size() != 2 || (pos[0] != "verify" && pos[0] != "delete")) {
    return reportError(
        {ErrorKind::InvalidArgument, "usage", "usage: stele image verify|delete NAME:VERSION"});
  }
  auto ref = splitRef(pos[1]);
  if (!ref) return reportError(ref.error());
  HttpClient client = makeClient(*args);
  if (pos[0] == "delete") {
    auto done = callJson(client, "DELETE", versionPath(*ref));
    if (!done) return reportError(done.error());
    std::printf("%s deleted (the version can never be pushed again)\n", pos[1].c_str());
    return 0;
  }
  auto report = callJson(client, "POST", versionPath(*ref) + "/verify");
  if (!report) return reportError(report.error());
  if (args->valueOr("o", "") == "json") {
    std::puts(report->dump(2).c_str());
  } else {
    for (const auto& b : (*report)["blobs"]) {
      std::string reason = b.value("reason", "");
      std::printf("blob %-6s %s %s%s\n", b["role"].get<std::string>().c_str(),
                  b["digest"].get<std::string>().c_str(), b["status"].get<std::string>().c_str(),
                  reason.empty() ? "" : (" (" + reason + ")").c_str());
    }
    for (const auto& s : (*report)["signatures"]) {
      std::printf("signature %s %s\n", s["keyId"].get<std::string>().c_str(),
                  s["status"].get<std::string>().c_str());
    }
    std::printf("%s: %s\n", pos[1].c_str(), (*report)["ok"].get<bool>() ? "OK" : "FAILED");
  }
  return (*report)["ok"].get<bool>() ? 0 : 1;
}

}  // namespace stele::cli
