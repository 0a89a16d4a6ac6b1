// `stele host ...` and `stele get hosts` against a real server and libvirt's test driver.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/run_command.h"
#include "tests/support/server_process.h"

namespace stele::testing {
namespace {

TEST(HostCli, AddListDrainAndRemoveHosts) {
  ServerProcess server(
      {"--allow-test-hosts", std::string(STELE_SOURCE_DIR) + "/tests/hypervisor/hosts"});
  auto stele = [&](std::vector<std::string> args) {
    args.insert(args.begin(), STELE_BINARY);
    return runCommand(args, {{"STELE_SERVER", server.url()}, {"STELE_TOKEN", server.adminToken()}});
  };
  std::string hosts = std::string("test://") + STELE_SOURCE_DIR + "/tests/hypervisor/hosts/";
  auto added = stele({"host", "add", "small", "--uri", hosts + "small.xml", "--accel", "qemu",
                      "--label", "zone=a"});
  ASSERT_EQ(added.exitStatus, 0) << added.err;
  EXPECT_NE(added.out.find("host small up"), std::string::npos);
  ASSERT_EQ(stele({"host", "add", "adopt", "--uri", hosts + "adopt.xml"}).exitStatus, 0);
  auto table = stele({"get", "hosts"});
  EXPECT_NE(table.out.find("ALLOCATED/CAPACITY"), std::string::npos);
  EXPECT_NE(table.out.find("0/2 cpu, 0/2048 MiB"), std::string::npos) << table.out;
  auto json = nlohmann::json::parse(stele({"get", "hosts", "-o", "json"}).out);
  EXPECT_EQ(json.size(), 2u);
  EXPECT_NE(stele({"host", "drain", "adopt"}).out.find("(draining)"), std::string::npos);
  auto refused = stele({"host", "remove", "adopt"});
  EXPECT_EQ(refused.exitStatus, 1);
  EXPECT_NE(refused.err.find("still runs 2 Stele instance(s)"), std::string::npos) << refused.err;
  EXPECT_EQ(stele({"host", "remove", "adopt", "--force"}).exitStatus, 0);
  auto bad = stele({"host", "add", "x", "--uri", "http://x"});
  EXPECT_EQ(bad.exitStatus, 1);
  EXPECT_NE(bad.err.find("uri: transport 'http' is not accepted"), std::string::npos) << bad.err;
  EXPECT_EQ(stele({"host", "add", "x"}).exitStatus, 2);
}

}  // namespace
}  // namespace stele::testing
