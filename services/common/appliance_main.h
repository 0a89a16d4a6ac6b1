// The shared entry point of every appliance. Two ways in:
//  * process mode: `--config FILE` (plus `--help`, `--check`): configures nothing on the
//    host, prints the ready line, serves until killed;
//  * VM mode (running as PID 1): mounts /proc, /sys, /dev, reads the config from QEMU
//    fw_cfg, configures its interfaces, prints the ready line and never exits; a fatal
//    error prints the reason and powers the VM off.
#pragma once

#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/appliance_config.h"
#include "common/appliance_service.h"

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

// One appliance program: how to parse its config, what VM mode must set up, and what serves.
template <typename Config>
struct ApplianceProgram {
  std::string kind;   // web, dns, router or firewall
  std::string usage;  // the --help text
  std::expected<Config, ConfigError> (*parseConfig)(std::string_view text);
  KernelNetworkSetup (*kernelNetworkSetup)(const Config& config);
  std::unique_ptr<ApplianceService> (*makeService)(const Config& config);
};

// The whole main() of an appliance.
template <typename Config>
int runAppliance(int argc, char** argv, const ApplianceProgram<Config>& program) {
  std::optional<Config> config;
  std::unique_ptr<ApplianceService> service;
  ApplianceHooks hooks;
  hooks.load = [&](std::string_view text) -> std::expected<KernelNetworkSetup, std::string> {
    auto parsed = program.parseConfig(text);
    if (!parsed) return std::unexpected(parsed.error().describe());
    config = std::move(*parsed);
    return program.kernelNetworkSetup(*config);
  };
  hooks.start = [&](BootMode) -> std::expected<void, std::string> {
    service = program.makeService(*config);
    return service->start();
  };
  hooks.serve = [&] { return service->serve(); };
  return runAppliance(argc, argv, program.kind, program.usage, hooks);
}

// Writes one line to stderr (the console in VM mode) without allocation surprises.
void writeConsoleLine(const std::string& line);

}  // namespace stele::services
