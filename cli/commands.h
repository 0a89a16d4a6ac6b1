// Every `stele` subcommand: takes its arguments (after the command words), returns the exit
// status. 0 means it worked; otherwise the reason has been printed to stderr.
#pragma once

#include <string>
#include <vector>

namespace stele::cli {

using Argv = std::vector<std::string>;

int runServerCommand(const Argv& args);
int runKeygen(const Argv& args);
int runPush(const Argv& args);
int runKey(const Argv& args);
int runToken(const Argv& args);
int runGet(const Argv& args);
int runImage(const Argv& args);

}  // namespace stele::cli
