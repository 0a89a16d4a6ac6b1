// stele-web: HTTP/1.1 appliance serving a small built-in site.
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
  return runAppliance<web::WebConfig>(
      argc, argv,
      {.kind = "web",
       .usage = kUsage,
       .parseConfig = web::parseWebConfig,
       .kernelNetworkSetup = [](const web::WebConfig& config) { return config.network; },
       .makeService = web::makeWebServer});
}
