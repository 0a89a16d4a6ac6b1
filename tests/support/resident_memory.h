// A process's resident memory, read from /proc, for tests and benchmarks that bound it.
// Header-only, so the benchmarks use it without the test support library.
#pragma once

#include <sys/types.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace stele::testing {

// VmRSS of /proc/PID/status in KiB, or -1 when the process is gone.
inline long residentKiB(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.substr(6).c_str());
  }
  return -1;
}

}  // namespace stele::testing
