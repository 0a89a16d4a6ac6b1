// End to end, the production path of an appliance's per-instance config: the web appliance
// image (build/images/web/, built by images/build-images.sh) provisioned through
// LibvirtHypervisor with its config in DomainSpec::config, which libvirt hands to QEMU as the
// fw_cfg entry opt/stele/config; the page fetched from inside the namespace must name the
// instance that config gave it. Missing prerequisites (image, libvirtd, QEMU) FAIL the test.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "common/clock.h"
#include "hypervisor/libvirt_hypervisor.h"
#include "tests/hypervisor/e2e/netns_probe.h"
#include "tests/hypervisor/e2e/private_libvirtd.h"
#include "tests/hypervisor/test_specs.h"

namespace stele::hypervisor {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kWebAddress = "10.213.9.10";
const NetworkSpec kNetwork{"web-e2e-net", "stelebr9", HostAddress{"10.213.9.1", 24}};

std::string readText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(WebApplianceE2e, ConfigDeliveredByFwCfgNamesTheInstanceOnItsPage) {
  const std::string images = STELE_IMAGES_DIR "/web";
  ASSERT_TRUE(fs::exists(images + "/kernel") && fs::exists(images + "/initrd"))
      << "no web image in " << images << " (images/build-images.sh BUILD_DIR web)";
  auto manifest = nlohmann::json::parse(readText(images + "/manifest.json"), nullptr, false);
  ASSERT_TRUE(manifest.is_object()) << "unreadable " << images << "/manifest.json";

  auto started = e2e::PrivateLibvirtd::start("webapp");
  ASSERT_TRUE(started) << started.error().message;
  std::unique_ptr<e2e::PrivateLibvirtd> env = std::move(*started);
  ManualClock clock{1'700'000'000};
  // The firmware `stele server` boots guests with by default (--guest-firmware), when present.
  const std::string qboot = "/usr/share/qemu/qboot.rom";
  LibvirtHypervisor hypervisor{
      clock, LibvirtHypervisorOptions{.backstopInterval = 2s,
                                      .guestFirmware = fs::exists(qboot) ? qboot : ""}};
  auto connected =
      hypervisor.connectHost({"e2e", env->uri(), Acceleration::Qemu, env->instanceDir()});
  ASSERT_TRUE(connected) << connected.error().message;
  auto reachable = hypervisor.awaitReachable("e2e", 60s);
  ASSERT_TRUE(reachable) << reachable.error().message;
  auto network = hypervisor.ensureNetwork("e2e", kNetwork);
  ASSERT_TRUE(network) << network.error().message;

  auto spec = testing::validDomainSpec("web-fwcfg-7");
  spec.kernelPath = images + "/kernel";
  spec.initrdPath = images + "/initrd";
  ASSERT_TRUE(manifest.contains("boot") && manifest["boot"].contains("cmdline")) << manifest.dump();
  spec.cmdline = manifest["boot"]["cmdline"].get<std::string>();
  spec.memoryMiB = 64;
  spec.vcpus = 1;
  spec.networks = {kNetwork.name};
  spec.config = "instance web-fwcfg-7\nversion 9.8.7\ninterface eth0 " + std::string(kWebAddress) +
                "/24\nlisten 0.0.0.0:80\n";
  auto instance = hypervisor.provision("e2e", spec);
  ASSERT_TRUE(instance) << instance.error().message;

  std::string page;
  auto deadline = std::chrono::steady_clock::now() + 240s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto reply =
        e2e::tcpExchangeInNamespace(env->netns(), kWebAddress, 80,
                                    "GET / HTTP/1.1\r\nHost: web\r\nConnection: close\r\n\r\n", 3s);
    if (reply && reply->starts_with("HTTP/1.1 200")) {
      page = *reply;
      break;
    }
    std::this_thread::sleep_for(1s);
  }
  auto console = hypervisor.consoleLogTail("e2e", "web-fwcfg-7", 65536);
  ASSERT_TRUE(console) << console.error().message;
  ASSERT_FALSE(page.empty()) << "the web appliance never answered GET /; console:\n" << *console;
  EXPECT_NE(page.find("web-fwcfg-7"), std::string::npos) << "the page names the instance:\n"
                                                         << page;
  EXPECT_NE(page.find("9.8.7"), std::string::npos) << "and the configured version:\n" << page;
  EXPECT_NE(console->find("stele-appliance: web ready"), std::string::npos) << *console;

  auto destroyed = hypervisor.destroy("e2e", "web-fwcfg-7");
  ASSERT_TRUE(destroyed) << destroyed.error().message;
  auto removed = hypervisor.removeNetwork("e2e", kNetwork.name);
  ASSERT_TRUE(removed) << removed.error().message;
}

}  // namespace
}  // namespace stele::hypervisor
