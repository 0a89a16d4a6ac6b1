// The host inventory against a real `stele server`, with libvirt's test driver opened on
// host XML files of our own (tests/hypervisor/hosts/*.xml): a fresh connection per server.
#include <gtest/gtest.h>

#include <thread>

#include "tests/support/registry_client.h"
#include "tests/support/server_process.h"

namespace stele::testing {
namespace {

std::string hostUri(const std::string& file) {
  return std::string("test://") + STELE_SOURCE_DIR + "/tests/hypervisor/hosts/" + file;
}

class HostApiTest : public ::testing::Test {
 protected:
  cli::ClientResponse add(const std::string& name, const std::string& uri,
                          const std::string& extra = "") {
    std::string body = R"({"name":")" + name + R"(","uri":")" + uri + "\"" + extra + "}";
    return answerOf(admin_.request("POST", "/v1/hosts", body));
  }
  nlohmann::json host(const std::string& name) {
    return jsonOf(answerOf(admin_.request("GET", "/v1/hosts/" + name)));
  }

  ServerProcess server_{
      {"--allow-test-hosts", std::string(STELE_SOURCE_DIR) + "/tests/hypervisor/hosts"}};
  cli::HttpClient admin_ = server_.admin();
};

TEST_F(HostApiTest, AddedHostsReportStateCapacityAllocationAndInstances) {
  auto small = add("small", hostUri("small.xml"), R"(,"accel":"qemu","labels":{"zone":"a"})");
  ASSERT_EQ(small.status, 201) << small.body;
  EXPECT_EQ(jsonOf(small)["state"], "up");
  EXPECT_EQ(jsonOf(small)["capacity"]["cpus"], 2);
  EXPECT_EQ(jsonOf(small)["capacity"]["memoryMiB"], 2048);
  EXPECT_EQ(jsonOf(small)["labels"]["zone"], "a");
  EXPECT_EQ(jsonOf(small)["accel"], "qemu");
  ASSERT_EQ(add("large", hostUri("large.xml")).status, 201);
  ASSERT_EQ(add("adopt", hostUri("adopt.xml")).status, 201);
  auto list = jsonOf(answerOf(admin_.request("GET", "/v1/hosts")))["items"];
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0]["name"], "adopt");
  EXPECT_EQ(list[0]["instances"], 2) << "the running and the stopped Stele domain, not the other";
  EXPECT_GT(list[0]["allocated"]["vcpus"].get<int>(), 0);
  EXPECT_EQ(list[2]["instances"], 0);
  EXPECT_NE(list[1]["capacity"]["cpus"], list[2]["capacity"]["cpus"]) << "capacities are per host";
}

TEST_F(HostApiTest, AnUnreachableHostIsListedWithASummaryOfLibvirtsError) {
  auto gone = add("gone", hostUri("nonexistent.xml"));
  ASSERT_EQ(gone.status, 201);
  auto view = host("gone");
  EXPECT_EQ(view["state"], "unreachable");
  EXPECT_TRUE(view["lastError"].get<std::string>().starts_with("connection failed: "))
      << view["lastError"];
  EXPECT_EQ(view["lastError"].get<std::string>().find("nonexistent"), std::string::npos);
  EXPECT_NE(server_.logText().find("nonexistent.xml"), std::string::npos) << "logged in full";
  EXPECT_TRUE(view["capacity"].is_null());
  auto refused = admin_.request("DELETE", "/v1/hosts/gone");
  ASSERT_TRUE(refused) << refused.error().message;
  EXPECT_EQ(refused->status, 409);
  EXPECT_EQ(errorCode(*refused), "host_unreachable");
  EXPECT_EQ(answerOf(admin_.request("DELETE", "/v1/hosts/gone?force=true")).status, 204);
}

TEST_F(HostApiTest, DrainThenRemoveIsRefusedWhileInstancesRemainUnlessForced) {
  ASSERT_EQ(add("adopt", hostUri("adopt.xml")).status, 201);
  auto drained = admin_.request("POST", "/v1/hosts/adopt/drain");
  ASSERT_TRUE(drained) << drained.error().message;
  EXPECT_EQ(jsonOf(*drained)["draining"], true);
  auto refused = admin_.request("DELETE", "/v1/hosts/adopt");
  ASSERT_TRUE(refused) << refused.error().message;
  EXPECT_EQ(refused->status, 409);
  EXPECT_EQ(errorCode(*refused), "host_in_use");
  EXPECT_EQ(answerOf(admin_.request("DELETE", "/v1/hosts/adopt?force=true")).status, 204);
  EXPECT_EQ(answerOf(admin_.request("GET", "/v1/hosts/adopt")).status, 404);
  ASSERT_EQ(add("small", hostUri("small.xml")).status, 201);
  EXPECT_EQ(answerOf(admin_.request("DELETE", "/v1/hosts/small")).status, 204)
      << "an empty host goes";
}

TEST_F(HostApiTest, BadRequestsAreRefusedAndNothingIsAdded) {
  EXPECT_EQ(errorCode(add("h1", "http://elsewhere")), "host_invalid");
  EXPECT_EQ(errorCode(add("../h", hostUri("small.xml"))), "host_invalid");
  EXPECT_EQ(errorCode(add("h2", hostUri("small.xml"), R"(,"accel":"xen")")), "host_invalid");
  EXPECT_EQ(errorCode(add("h3", hostUri("small.xml"), R"(,"labels":{"zone":1})")), "field_invalid");
  EXPECT_EQ(errorCode(add("h4", hostUri("small.xml"), R"(,"cpus":4)")), "unknown_field");
  ASSERT_EQ(add("small", hostUri("small.xml")).status, 201);
  EXPECT_EQ(errorCode(add("small", hostUri("large.xml"))), "host_exists");
  EXPECT_EQ(jsonOf(answerOf(admin_.request("GET", "/v1/hosts")))["items"].size(), 1u);
  cli::HttpClient viewer = server_.client(createToken(admin_, "viewer"));
  EXPECT_EQ(answerOf(viewer.request("POST", "/v1/hosts", R"({"name":"x","uri":"qemu:///system"})"))
                .status,
            403);
  EXPECT_EQ(answerOf(viewer.request("GET", "/v1/hosts")).status, 200);
  EXPECT_EQ(answerOf(admin_.request("POST", "/v1/hosts/none/drain")).status, 404);
}

TEST_F(HostApiTest, HostsAreReconnectedAfterARestart) {
  ASSERT_EQ(add("small", hostUri("small.xml")).status, 201);
  server_.stop();
  server_.start();
  admin_ = server_.admin();
  nlohmann::json view;
  for (int i = 0; i < 100; ++i) {  // connecting happens in the background after start
    view = host("small");
    if (view["state"] == "up") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(view["state"], "up");
  EXPECT_EQ(view["capacity"]["cpus"], 2);
}

}  // namespace
}  // namespace stele::testing
