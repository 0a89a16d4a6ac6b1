// Where an instance's own files live:
// <instanceRoot>/<instanceId>/{kernel,initrd,config,console.log}. Pure: computing paths does no
// I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace stele::hypervisor {

struct InstancePaths {
  std::string directory;
  std::string kernel;
  std::optional<std::string> initrd;
  std::optional<std::string> config;
  std::string consoleLog;
};

inline InstancePaths instancePathsFor(std::string_view instanceRoot, std::string_view instanceId,
                                      bool hasInitrd, bool hasConfig) {
  std::string root(instanceRoot);
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  InstancePaths paths;
  paths.directory = root + "/" + std::string(instanceId);
  paths.kernel = paths.directory + "/kernel";
  if (hasInitrd) paths.initrd = paths.directory + "/initrd";
  if (hasConfig) paths.config = paths.directory + "/config";
  paths.consoleLog = paths.directory + "/console.log";
  return paths;
}

}  // namespace stele::hypervisor
