// The shared entry point of every appliance. Two ways in:
//  * process mode: `--config FILE` (plus `--help`, `--check`): configures nothing on the
//    host, prints the ready line, serves until killed;
//  * VM mode (running as PID 1): mounts /proc, /sys, /dev, reads the config from QEMU
//    fw_cfg, configures its interfaces, prints the ready line and never exits; a fatal
//    error prints the reason and powers the VM off.
#pragma once

#include <expected>
#include <functional>
#include <string>
#include <string_view>

#include "common/appliance_config.h"

namespace stele::services {

inline constexpr const char* kFwCfgConfigPath =
    "/sys/firmware/qemu_fw_cfg/by_name/opt/stele/config/raw";

enum class BootMode { Process, VirtualMachine };

struct ApplianceHooks {
  // Parses and validates the config text; returns what VM mode must set up, or a
  // one-line reason ("config line 3: ...").
  std::function<std::expected<KernelNetworkSetup, std::string>(std::string_view config)> load;
  // Opens sockets. Called after the network setup (VM mode).
  std::function<std::expected<void, std::string>(BootMode mode)> start;
  // Serves; returns only on a fatal error, with its reason.
  std::function<std::string()> serve;
};

// `kind` is web, dns, router or firewall; `usage` is the --help text.
int runAppliance(int argc, char** argv, const std::string& kind, const std::string& usage,
                 const ApplianceHooks& hooks);

// Writes one line to stderr (the console in VM mode) without allocation surprises.
void writeConsoleLine(const std::string& line);

}  // namespace stele::services
