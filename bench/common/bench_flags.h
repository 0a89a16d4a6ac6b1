// What the C++ benchmarks share: integer `--name VALUE` flags and wall-clock helpers.
#pragma once

#include <chrono>
#include <cstdlib>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <utility>

namespace stele::bench {

struct IntFlag {
  const char* name;  // with its dashes: "--hosts"
  int* target;
};

// Reads `--name VALUE` pairs into their targets; returns the first unknown flag or a flag
// without a value ("" when all were read).
inline std::string readIntFlags(int argc, char** argv, std::initializer_list<IntFlag> flags) {
  for (int i = 1; i < argc; i += 2) {
    std::string flag = argv[i];
    const IntFlag* match = nullptr;
    for (const IntFlag& f : flags) {
      if (flag == f.name) match = &f;
    }
    if (match == nullptr || i + 1 >= argc) return flag;
    *match->target = std::atoi(argv[i + 1]);
  }
  return "";
}

// readIntFlags(), throwing a runtime_error that names the bad flag and the usage.
inline void requireIntFlags(int argc, char** argv, std::initializer_list<IntFlag> flags,
                            const std::string& usage) {
  std::string bad = readIntFlags(argc, argv, flags);
  if (!bad.empty()) {
    throw std::runtime_error("unknown flag or missing value: " + bad + " (usage: " + usage + ")");
  }
}

inline double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace stele::bench
