// Generated domain and network XML matches the checked-in golden files.
// STELE_REGENERATE_GOLDEN=1 rewrites every *-out.xml from its *-in.json instead of comparing.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "hypervisor/domain_xml.h"
#include "hypervisor/network_xml.h"

namespace stele::hypervisor {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kGoldenDir = fs::path(STELE_SOURCE_DIR) / "tests/hypervisor/golden";

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

DomainSpec domainSpecFrom(const json& in) {
  DomainSpec spec;
  spec.instanceId = in.at("instanceId");
  spec.name = in.at("name");
  spec.deployment = in.at("deployment");
  spec.revision = in.at("revision");
  spec.imageDigest = in.at("imageDigest");
  spec.kernelPath = in.at("kernelPath");
  if (in.contains("initrdPath")) spec.initrdPath = in.at("initrdPath").get<std::string>();
  spec.cmdline = in.at("cmdline");
  spec.memoryMiB = in.at("memoryMiB");
  spec.vcpus = in.at("vcpus");
  spec.networks = in.at("networks").get<std::vector<std::string>>();
  if (in.contains("config")) spec.config = in.at("config").get<std::string>();
  return spec;
}

NetworkSpec networkSpecFrom(const json& in) {
  NetworkSpec spec;
  spec.name = in.at("name");
  spec.bridge = in.at("bridge");
  if (in.contains("hostAddress")) {
    spec.hostAddress =
        HostAddress{in.at("hostAddress").at("ipv4"), in.at("hostAddress").at("prefix")};
  }
  return spec;
}

Result<std::string> generate(const fs::path& input) {
  json in = json::parse(readFile(input));
  const std::string name = input.filename().string();
  if (name.starts_with("domain-")) {
    DomainSpec spec = domainSpecFrom(in.at("spec"));
    auto paths = instancePathsFor(in.at("instanceRoot").get<std::string>(), spec.instanceId,
                                  spec.initrdPath.has_value(), spec.config.has_value());
    auto acceleration = in.at("acceleration") == "kvm" ? Acceleration::Kvm : Acceleration::Qemu;
    return buildDomainXml(spec, paths, acceleration, in.value("firmware", std::string()));
  }
  return buildNetworkXml(networkSpecFrom(in.at("spec")));
}

TEST(GoldenXml, EveryInputProducesItsCheckedInOutput) {
  const bool regenerate = std::getenv("STELE_REGENERATE_GOLDEN") != nullptr &&
                          std::string(std::getenv("STELE_REGENERATE_GOLDEN")) == "1";
  int cases = 0;
  for (const auto& entry : fs::directory_iterator(kGoldenDir)) {
    const std::string name = entry.path().filename().string();
    if (!name.ends_with("-in.json")) continue;
    ++cases;
    const fs::path output = kGoldenDir / (name.substr(0, name.size() - 8) + "-out.xml");
    auto xml = generate(entry.path());
    ASSERT_TRUE(xml.has_value()) << name << ": " << xml.error().message;
    if (regenerate) {
      std::ofstream(output, std::ios::binary) << *xml;
      continue;
    }
    ASSERT_TRUE(fs::exists(output)) << output << " missing; run with STELE_REGENERATE_GOLDEN=1";
    EXPECT_EQ(readFile(output), *xml) << "golden mismatch for " << name;
  }
  EXPECT_GE(cases, 4);
}

}  // namespace
}  // namespace stele::hypervisor
