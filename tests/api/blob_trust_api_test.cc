// The server trusts no file at a blob's path: whatever is there instead of the file the server
// wrote (a symbolic link, even to identical bytes; a hard link; another owner; a directory or a
// FIFO) is reported corrupt by name by `stele image verify` and the verify route, and refused
// at deploy. Against a real server with its data directory on the real filesystem.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "common/sha256.h"
#include "tests/support/deploy_fixture.h"
#include "tests/support/run_command.h"

namespace stele::testing {
namespace {

using namespace std::chrono_literals;

const std::string kKernel = "kernel of web 0.1.0";  // what DeployFixture::pushImage uploads

struct Impostor {
  std::string what;
  std::string reason;  // in the report
  std::function<void(const std::string& blob, const std::string& spare)> plant;
};

std::vector<Impostor> impostors() {
  return {
      {"symlink to identical bytes", "is a symbolic link",
       [](const std::string& blob, const std::string& spare) {
         std::ofstream(spare, std::ios::binary) << kKernel;
         std::filesystem::remove(blob);
         std::filesystem::create_symlink(spare, blob);
       }},
      {"hard link", "has 2 links",
       [](const std::string& blob, const std::string& spare) {
         ASSERT_EQ(::link(blob.c_str(), spare.c_str()), 0);
       }},
      {"other owner", "is owned by uid 12345",
       [](const std::string& blob, const std::string&) {
         ASSERT_EQ(::chown(blob.c_str(), 12345, 12345), 0);
       }},
      {"directory", "is a directory",
       [](const std::string& blob, const std::string&) {
         std::filesystem::remove(blob);
         std::filesystem::create_directory(blob);
       }},
      {"FIFO", "is a FIFO",
       [](const std::string& blob, const std::string&) {
         std::filesystem::remove(blob);
         ASSERT_EQ(::mkfifo(blob.c_str(), 0600), 0);
       }},
  };
}

class BlobTrustApiTest : public ::testing::Test {
 protected:
  void SetUp() override { fx_.pushImage("web", "0.1.0"); }

  std::string digest() const { return digestString(sha256(kKernel)); }
  std::string blobPath() {
    std::string hex = digest().substr(7);
    return fx_.server().dataDir() + "/blobs/sha256/" + hex.substr(0, 2) + "/" + hex;
  }
  std::string spare() { return fx_.server().dataDir() + "/spare"; }
  void restore() {
    std::filesystem::remove_all(blobPath());
    std::filesystem::remove_all(spare());
    std::ofstream(blobPath(), std::ios::binary) << kKernel;
  }
  CommandResult cliVerify() {
    return runCommand(
        {STELE_BINARY, "image", "verify", "web:0.1.0"},
        {{"STELE_SERVER", fx_.server().url()}, {"STELE_TOKEN", fx_.server().adminToken()}});
  }
  nlohmann::json verifyRoute() {
    return jsonOf(answerOf(fx_.admin().request("POST", "/v1/images/web/versions/0.1.0/verify")));
  }

  // Deletes the running instance and returns the message of the ProvisionRefused event its
  // replacement gets ("" when none came within 20 s).
  std::string replacementRefusal() {
    std::string victim = fx_.instances("web")[0]["id"];
    EXPECT_EQ(fx_.admin().request("DELETE", "/v1/instances/" + victim)->status, 202);
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
      for (const auto& e : fx_.events("?deployment=web&limit=5000")) {
        if (e["reason"] == "ProvisionRefused") return e["message"].get<std::string>();
      }
      std::this_thread::sleep_for(50ms);
    }
    return "";
  }

  DeployFixture fx_;
};

TEST_F(BlobTrustApiTest, EveryImpostorInPlaceOfABlobIsReportedCorruptByName) {
  ASSERT_EQ(cliVerify().exitStatus, 0) << "intact before";
  for (const auto& impostor : impostors()) {
    SCOPED_TRACE(impostor.what);
    impostor.plant(blobPath(), spare());
    auto report = verifyRoute();
    EXPECT_FALSE(report["ok"].get<bool>());
    EXPECT_FALSE(report["blobsIntact"].get<bool>());
    ASSERT_EQ(report["blobs"].size(), 1u);
    EXPECT_EQ(report["blobs"][0]["status"], "corrupt");
    EXPECT_EQ(report["blobs"][0]["digest"], digest());
    EXPECT_NE(report["blobs"][0]["reason"].get<std::string>().find(impostor.reason),
              std::string::npos)
        << report.dump();
    auto cli = cliVerify();
    EXPECT_EQ(cli.exitStatus, 1);
    EXPECT_NE(cli.out.find("blob kernel " + digest() + " corrupt"), std::string::npos) << cli.out;
    EXPECT_NE(cli.out.find(impostor.reason), std::string::npos) << cli.out;
    restore();
    EXPECT_EQ(cliVerify().exitStatus, 0) << "intact again once the real file is back";
  }
}

TEST_F(BlobTrustApiTest, ADeployOfAnImageWithAnImpostorBlobIsRefused) {
  ASSERT_EQ(fx_.addHost("small", "small", R"({"zone":"a"})"), 201);
  ASSERT_EQ(fx_.apply(webYaml(1)).status, 200);
  ASSERT_TRUE(fx_.waitFor("web", [](const nlohmann::json& items) {
    return DeployFixture::count(items, "Available") == 1;
  }));
  impostors()[0].plant(blobPath(), spare());  // a symlink to the very same bytes
  // A new deployment of the image is refused at apply...
  auto refused = fx_.apply(webYaml(1));
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(errorCode(refused), "blob_corrupt");
  // ...and a replacement of a running instance is refused by the deploy gate.
  std::string message = replacementRefusal();
  EXPECT_NE(message.find("blob kernel (" + digest() + ") is corrupt"), std::string::npos)
      << message;
  EXPECT_NE(message.find("symbolic link"), std::string::npos) << message;
}

// The deploy gate checks the blob's file; the copy made for the instance hashes the bytes. A
// blob rewritten in place (the server's own file, same size, same inode) passes the first and
// is refused by the second: the deploy never boots bytes that were not signed.
TEST_F(BlobTrustApiTest, ABlobRewrittenInPlaceIsRefusedByTheHashOfTheDeployCopy) {
  ASSERT_EQ(fx_.addHost("small", "small", R"({"zone":"a"})"), 201);
  ASSERT_EQ(fx_.apply(webYaml(1)).status, 200);
  ASSERT_TRUE(fx_.waitFor("web", [](const nlohmann::json& items) {
    return DeployFixture::count(items, "Available") == 1;
  }));
  std::string tampered = kKernel;
  tampered.back() = '9';
  {
    std::fstream blob(blobPath(), std::ios::binary | std::ios::in | std::ios::out);
    blob << tampered;
  }
  std::string message = replacementRefusal();
  EXPECT_NE(message.find("deploy gate refused web:0.1.0"), std::string::npos) << message;
  EXPECT_NE(message.find("blob " + digest()), std::string::npos) << message;
  EXPECT_NE(message.find("now hashes to " + digestString(sha256(tampered))), std::string::npos)
      << message;
  EXPECT_TRUE(fx_.instances("web").empty() ||
              DeployFixture::count(fx_.instances("web"), "Available") == 0)
      << "nothing runs the tampered bytes";
}

TEST(DataDirectoryTest, TheServerRefusesADataDirectoryOthersOrItsGroupCanWrite) {
  for (unsigned mode : {0777u, 0770u, 0702u}) {
    TempDir dir;
    ASSERT_EQ(::chmod(dir.path().c_str(), mode), 0);
    auto run =
        runCommand({STELE_BINARY, "server", "--listen", "127.0.0.1:0", "--data-dir", dir.path()});
    EXPECT_NE(run.exitStatus, 0) << mode;
    EXPECT_NE(run.err.find(dir.path() + " can be written by"), std::string::npos) << run.err;
    EXPECT_NE(run.err.find("chmod 0700"), std::string::npos) << run.err;
    EXPECT_FALSE(std::filesystem::exists(dir.file("stele.db"))) << "nothing was created";
  }
}

}  // namespace
}  // namespace stele::testing
