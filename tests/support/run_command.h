// Runs a program (no shell) and captures its exit status, stdout and stderr. Its stdin is
// `stdinPath` (default /dev/null).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace stele::testing {

struct CommandResult {
  int exitStatus = -1;
  std::string out;
  std::string err;
};

// In a forked child: sets `env` and execs `argv` (no shell); exits 127 if it cannot.
[[noreturn]] void execWithEnv(const std::vector<std::string>& argv,
                              const std::map<std::string, std::string>& env);

CommandResult runCommand(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env = {},
                         const std::string& workingDir = "",
                         const std::string& stdinPath = "/dev/null");

}  // namespace stele::testing
