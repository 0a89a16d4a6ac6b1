// Every `stele` subcommand: takes its arguments (after the command words), returns the exit
// status. 0 means it worked; otherwise the reason has been printed to stderr.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace stele::cli {

class Args;
class HttpClient;

using Argv = std::vector<std::string>;

// Prints the `stele get hosts` table (or JSON) for a list of hosts from GET /v1/hosts.
int printHosts(const nlohmann::json& items, bool asJson);

int runServerCommand(const Argv& args);
int runKeygen(const Argv& args);
int runPush(const Argv& args);
int runKey(const Argv& args);
int runToken(const Argv& args);
int runGet(const Argv& args);
int runImage(const Argv& args);
int runHost(const Argv& args);
int runApply(const Argv& args);
int runDelete(const Argv& args);
int runLogs(const Argv& args);
int runRollout(const Argv& args);

// `stele get KIND ...` after runGet parsed the flags (positionals()[0] is the kind).
int getDeployments(HttpClient& client, const Args& args);
int getNetworks(HttpClient& client, const Args& args);
int getInstances(HttpClient& client, const Args& args);
int getEvents(HttpClient& client, const Args& args);

}  // namespace stele::cli
