// stele-web: HTTP/1.1 appliance serving a small built-in site.
#include <memory>
#include <optional>

#include "common/appliance_main.h"
#include "web/web_config.h"
#include "web/web_server.h"

namespace {

constexpr const char* kUsage =
    "usage: stele-web --config FILE [--check]\n"
    "HTTP/1.1 server for a built-in page naming the instance and image version, and\n"
    "GET /healthz (grammar of FILE: services/README.md).\n"
    "As PID 1 (VM mode) the config is read from QEMU fw_cfg opt/stele/config.";

}  // namespace

int main(int argc, char** argv) {
  using namespace stele::services;
  std::optional<web::WebConfig> config;
  std::unique_ptr<web::WebServer> server;
  ApplianceHooks hooks;
  hooks.load = [&](std::string_view text) -> std::expected<KernelNetworkSetup, std::string> {
    auto parsed = web::parseWebConfig(text);
    if (!parsed) return std::unexpected(parsed.error().describe());
    config = std::move(*parsed);
    return config->network;
  };
  hooks.start = [&](BootMode) -> std::expected<void, std::string> {
    server = std::make_unique<web::WebServer>(*config);
    return server->start();
  };
  hooks.serve = [&] { return server->serve(); };
  return runAppliance(argc, argv, "web", kUsage, hooks);
}
