// `stele delete -f FILE | deployment NAME | network NAME | instance ID`.
//
// From a file, every Deployment and Network it names is deleted, deployments first (a network
// in use cannot go). The file is checked whole before anything is deleted: a Host document or an
// unknown kind refuses it, since hosts leave through `stele host remove`.
#include <cstdio>

#include "cli/client_context.h"
#include "cli/commands.h"
#include "cli/manifest_file.h"

namespace stele::cli {
namespace {

using nlohmann::json;

struct Target {
  std::string kind;  // "deployment" | "network" | "instance"
  std::string name;

  std::string path() const { return "/v1/" + kind + "s/" + urlSegment(name); }
};

Result<std::vector<Target>> targetsOf(const ManifestFile& file) {
  auto documents = scheduler::parseDocuments(file.body, file.format);
  if (!documents) return fail(documents.error());
  std::vector<Target> deployments, networks;
  for (const auto& doc : *documents) {
    std::string where = "document " + std::to_string(doc.index);
    const json body = doc.body.is_object() ? doc.body : json::object();
    const json kindField = body.value("kind", json());
    const json meta = body.value("metadata", json::object());
    const json name = meta.is_object() ? meta.value("name", json()) : json();
    if (!name.is_string() || name.get<std::string>().empty()) {
      return fail(ErrorKind::InvalidArgument, "field_invalid",
                  where + ": metadata.name: is required");
    }
    std::string kind = kindField.is_string() ? kindField.get<std::string>() : "";
    std::string n = name.get<std::string>();
    if (kind == "Deployment") {
      deployments.push_back({"deployment", n});
    } else if (kind == "Network") {
      networks.push_back({"network", n});
    } else if (kind == "Host") {
      return fail(ErrorKind::InvalidArgument, "kind_invalid",
                  std::string(where)
                      .append(" (Host ")
                      .append(n)
                      .append("): hosts are not deleted from a file; use `stele host remove ")
                      .append(n)
                      .append("` (nothing was deleted)"));
    } else {
      return fail(ErrorKind::InvalidArgument, "kind_invalid",
                  where + ": kind: must be Deployment or Network (nothing was deleted)");
    }
  }
  deployments.insert(deployments.end(), networks.begin(), networks.end());
  return deployments;
}

// Deletes each target, printing "KIND/NAME deleted" or the server's reason; 0 if all went.
int deleteAll(HttpClient& client, const std::vector<Target>& targets) {
  int status = 0;
  for (const auto& t : targets) {
    auto done = callJson(client, "DELETE", t.path());
    if (!done) {
      std::fprintf(stderr, "stele: %s/%s: %s\n", t.kind.c_str(), t.name.c_str(),
                   done.error().message.c_str());
      status = 1;
      continue;
    }
    std::printf("%s/%s %s\n", t.kind.c_str(), t.name.c_str(),
                t.kind == "instance" ? "deleted (a replacement will be provisioned)" : "deleted");
  }
  return status;
}

}  // namespace

int runDelete(const Argv& argv) {
  auto args = Args::parse(argv, clientFlags({"f", "filename"}));
  if (!args) return reportError(args.error());
  const auto& pos = args->positionals();
  auto path = args->value("f") ? args->value("f") : args->value("filename");
  std::vector<Target> targets;
  if (path && pos.empty()) {
    auto file = readManifestFile(*path);
    if (!file) return reportError(file.error());
    auto parsed = targetsOf(*file);
    if (!parsed) return reportError(parsed.error());
    targets = std::move(*parsed);
  } else if (!path && pos.size() == 2 &&
             (pos[0] == "deployment" || pos[0] == "network" || pos[0] == "instance")) {
    targets.push_back({pos[0], pos[1]});
  } else {
    return reportError(
        {ErrorKind::InvalidArgument, "usage",
         "usage: stele delete -f FILE | deployment NAME | network NAME | instance ID"});
  }
  HttpClient client = makeClient(*args);
  return deleteAll(client, targets);
}

}  // namespace stele::cli
