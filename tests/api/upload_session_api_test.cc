// Upload sessions against a real `stele server`: owned by the token that opened them, capped
// per token, and swept when idle, also across a restart.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "common/sha256.h"
#include "tests/support/registry_client.h"
#include "tests/support/server_process.h"

namespace stele::testing {
namespace {

using namespace std::chrono_literals;

std::string startUpload(cli::HttpClient& client) {
  auto r = answerOf(client.request("POST", "/v1/blobs/uploads?kind=kernel"));
  EXPECT_EQ(r.status, 202) << r.body;
  return r.header("location");
}

bool uploadFileExists(const ServerProcess& server, const std::string& location) {
  std::string id = location.substr(location.rfind('/') + 1);
  return std::filesystem::exists(server.dataDir() + "/uploads/" + id);
}

// Two pusher tokens on one server: `owner` opens uploads, `other` tries them.
class TwoPushersTest : public ::testing::Test {
 protected:
  ServerProcess server_;
  cli::HttpClient admin_ = server_.admin();
  cli::HttpClient owner_ = server_.client(createToken(admin_, "pusher"));
  cli::HttpClient other_ = server_.client(createToken(admin_, "pusher"));
};

TEST_F(TwoPushersTest, AnotherTokensAppendCommitCancelAndOffsetQueryAre404) {
  std::string location = startUpload(owner_);
  ASSERT_EQ(answerOf(owner_.request("PATCH", location, "abc", {{"Content-Range", "0-2"}})).status,
            202);
  auto append = answerOf(other_.request("PATCH", location, "def", {{"Content-Range", "3-5"}}));
  EXPECT_EQ(append.status, 404);
  EXPECT_EQ(errorCode(append), "upload_not_found");
  auto commit =
      answerOf(other_.request("PUT", location + "?digest=" + digestString(sha256("abc"))));
  EXPECT_EQ(commit.status, 404);
  EXPECT_EQ(errorCode(commit), "upload_not_found");
  EXPECT_EQ(errorCode(answerOf(other_.request("DELETE", location))), "upload_not_found");
  EXPECT_EQ(errorCode(answerOf(other_.request("GET", location))), "upload_not_found");
  EXPECT_EQ(answerOf(other_.request("HEAD", location)).status, 404);
  EXPECT_EQ(answerOf(admin_.request("GET", location)).status, 404) << "not the admin_'s upload";
  auto mine = answerOf(owner_.request("HEAD", location));
  EXPECT_EQ(mine.status, 200);
  EXPECT_EQ(mine.header("upload-offset"), "3") << "nothing of the other_ token's reached it";
  auto done = answerOf(owner_.request("PUT", location + "?digest=" + digestString(sha256("abc"))));
  EXPECT_EQ(done.status, 201) << done.body;
}

TEST_F(TwoPushersTest, TheCallerListsItsOwnUploadsAndAnAdminMayListAndCancelEveryOne) {
  std::string location = startUpload(owner_);
  std::string id = location.substr(location.rfind('/') + 1);
  auto listed = jsonOf(answerOf(owner_.request("GET", "/v1/blobs/uploads")))["items"];
  ASSERT_EQ(listed.size(), 1u) << listed.dump();
  EXPECT_EQ(listed[0]["id"], id);
  EXPECT_EQ(listed[0]["kind"], "kernel");
  EXPECT_EQ(listed[0]["offset"], 0);
  for (const char* field : {"createdAt", "lastActivityAt", "expiresAt"})
    EXPECT_TRUE(listed[0][field].is_string()) << field;
  EXPECT_FALSE(listed[0].contains("owner"));
  EXPECT_TRUE(jsonOf(answerOf(other_.request("GET", "/v1/blobs/uploads")))["items"].empty());
  EXPECT_EQ(errorCode(answerOf(other_.request("GET", "/v1/blobs/uploads?all=true"))), "forbidden");
  auto all = jsonOf(answerOf(admin_.request("GET", "/v1/blobs/uploads?all=true")))["items"];
  ASSERT_EQ(all.size(), 1u);
  EXPECT_TRUE(all[0]["owner"].is_string());
  EXPECT_EQ(answerOf(admin_.request("DELETE", location)).status, 204);
  EXPECT_FALSE(uploadFileExists(server_, location));
}

TEST(UploadSessionApiTest, TheCapOfOpenUploadsPerTokenIsA429NamingIt) {
  ServerProcess server({"--max-uploads-per-token", "2"});
  cli::HttpClient admin = server.admin();
  cli::HttpClient pusher = server.client(createToken(admin, "pusher"));
  std::string first = startUpload(pusher);
  startUpload(pusher);
  auto over = answerOf(pusher.request("POST", "/v1/blobs/uploads?kind=kernel"));
  EXPECT_EQ(over.status, 429);
  EXPECT_EQ(errorCode(over), "too_many_uploads");
  EXPECT_NE(over.body.find("--max-uploads-per-token 2"), std::string::npos) << over.body;
  EXPECT_EQ(answerOf(admin.request("POST", "/v1/blobs/uploads?kind=kernel")).status, 202)
      << "another token has its own cap";
  EXPECT_EQ(answerOf(pusher.request("DELETE", first)).status, 204);
  EXPECT_EQ(answerOf(pusher.request("POST", "/v1/blobs/uploads?kind=kernel")).status, 202);
}

TEST(UploadSessionApiTest, AnIdleUploadAndItsFileAreSweptWhileTheServerRuns) {
  ServerProcess server({"--upload-idle-timeout-ms", "1000"});
  cli::HttpClient admin = server.admin();
  std::string location = startUpload(admin);
  ASSERT_TRUE(uploadFileExists(server, location));
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (uploadFileExists(server, location) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(uploadFileExists(server, location)) << "the sweeper removed the file";
  EXPECT_EQ(errorCode(answerOf(admin.request("GET", location))), "upload_not_found");
  EXPECT_TRUE(jsonOf(answerOf(admin.request("GET", "/v1/blobs/uploads")))["items"].empty());
}

TEST(UploadSessionApiTest, AnUploadThatExpiredWhileTheServerWasStoppedIsGoneAtStart) {
  ServerProcess server({"--upload-idle-timeout-ms", "1000"});
  std::string location;
  {
    cli::HttpClient admin = server.admin();
    location = startUpload(admin);
    ASSERT_EQ(answerOf(admin.request("PATCH", location, "abc", {{"Content-Range", "0-2"}})).status,
              202);
  }
  server.stop();
  ASSERT_TRUE(uploadFileExists(server, location)) << "stopping keeps open uploads";
  std::this_thread::sleep_for(1500ms);  // past the idle timeout, with no server running
  server.start();
  EXPECT_FALSE(uploadFileExists(server, location)) << "swept before the server listened";
  cli::HttpClient admin = server.admin();
  EXPECT_EQ(errorCode(answerOf(admin.request("GET", location))), "upload_not_found");
}

}  // namespace
}  // namespace stele::testing
