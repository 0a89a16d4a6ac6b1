// `stele apply -f FILE [--dry-run]`: submits desired state and prints, like kubectl, one line
// per object ("deployment/web created", "network/dmz unchanged"); with --dry-run, then the
// plan per host and what could not be placed.
#include <cstdio>

#include "cli/client_context.h"
#include "cli/commands.h"
#include "cli/manifest_file.h"

namespace stele::cli {
namespace {

using nlohmann::json;

void printPlan(const json& plan) {
  bool any = false;
  const json hosts = plan.value("hosts", json::object());
  for (const auto& [host, steps] : hosts.items()) {
    for (const auto& step : steps) {
      std::string what =
          step.value("deployment", "") + " #" + std::to_string(step.value("ordinal", 0));
      if (step.contains("instance")) what += " " + step["instance"].get<std::string>();
      std::printf("host %s: %s %s (%s)\n", host.c_str(), step.value("action", "").c_str(),
                  what.c_str(), step.value("reason", "").c_str());
      any = true;
    }
  }
  for (const auto& c : plan.value("unplaced", json::array())) {
    std::string reason = c.value("reason", "");
    std::string prefix = reason == "FailedScheduling" ? "" : reason + ": ";
    std::printf("unplaced: %s: %s%s\n", c.value("deployment", "").c_str(), prefix.c_str(),
                c.value("message", "").c_str());
    any = true;
  }
  if (!any) std::puts("plan: nothing to do");
}

}  // namespace

int runApply(const Argv& argv) {
  auto args = Args::parse(argv, clientFlags({"f", "filename", "o"}), {"dry-run"});
  if (!args) return reportError(args.error());
  auto path = args->value("f") ? args->value("f") : args->value("filename");
  if (!path || !args->positionals().empty()) {
    return reportError(
        {ErrorKind::InvalidArgument, "usage",
         "usage: stele apply -f FILE [--dry-run] [-o json] (FILE may be - for stdin)"});
  }
  auto file = readManifestFile(*path);
  if (!file) return reportError(file.error());
  HttpClient client = makeClient(*args);
  bool dryRun = args->has("dry-run");
  auto response = client.request("POST", dryRun ? "/v1/apply?dryRun=true" : "/v1/apply", file->body,
                                 {{"Content-Type", file->contentType()}});
  if (!response) return reportError(response.error());
  if (response->status >= 400) return reportError(responseError(*response));
  auto result = json::parse(response->body, nullptr, false);
  if (!result.is_object()) {
    return reportError(
        {ErrorKind::Internal, "bad_response", "the server answered with invalid JSON"});
  }
  if (args->valueOr("o", "") == "json") {
    std::puts(result.dump(2).c_str());
    return 0;
  }
  for (const auto& item : result.value("items", json::array())) {
    std::printf("%s/%s %s%s\n", lowercase(item.value("kind", "")).c_str(),
                item.value("name", "").c_str(), item.value("action", "").c_str(),
                dryRun ? " (dry run)" : "");
  }
  if (dryRun && result.contains("plan")) printPlan(result["plan"]);
  for (const auto& warning : result.value("warnings", json::array())) {
    if (warning.is_string())
      std::fprintf(stderr, "warning: %s\n", warning.get<std::string>().c_str());
  }
  return 0;
}

}  // namespace stele::cli
