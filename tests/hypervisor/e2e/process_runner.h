// Running helper programs (ip, libvirtd, virtlogd) from e2e tests without a shell.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/error.h"

namespace stele::hypervisor::e2e {

// Runs argv[0] (looked up in PATH) to completion; its output goes to `logPath` (or is dropped).
Result<void> runCommand(const std::vector<std::string>& argv,
                        const std::string& logPath = "/dev/null");

// True if `program` is an executable in PATH (or an absolute path).
bool programExists(const std::string& program);

// SIGTERM, wait up to `grace`, then SIGKILL; reaps the child and returns its wait status.
// Fails the running test unless the child (named `what`) exited 0 within `grace`.
int stopChild(pid_t pid, std::chrono::milliseconds grace, const std::string& what);

}  // namespace stele::hypervisor::e2e
