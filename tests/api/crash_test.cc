// kill -9 in the middle of writes: after a restart nothing half-written is visible and the
// work resumes or is cleanly discarded. STELE_CRASHPOINT makes the server SIGKILL itself at
// a named point inside a write, as a power cut would.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>

#include "common/sha256.h"
#include "tests/support/child_status.h"
#include "tests/support/half_sent_request.h"
#include "tests/support/registry_client.h"
#include "tests/support/server_process.h"

namespace stele::testing {
namespace {

TEST(CrashTest, KillDuringAnUploadLeavesAResumableUpload) {
  ServerProcess server;
  cli::HttpClient admin = server.admin();
  std::string content = std::string(4000, 'a') + std::string(4000, 'b');
  auto start = admin.request("POST", "/v1/blobs/uploads?kind=kernel");
  ASSERT_TRUE(start) << start.error().message;
  std::string location = start->header("location");
  auto first =
      admin.request("PATCH", location, content.substr(0, 4000), {{"Content-Range", "0-3999"}});
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_EQ(first->status, 202);
  // A second chunk is on the wire, half sent and read by the server, when the server dies.
  HalfSentRequest halfSent(server.port(),
                           "PATCH " + location + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                               server.adminToken() +
                               "\r\nContent-Range: 4000-7999\r\nContent-Length: 4000\r\n\r\n" +
                               content.substr(4000, 1500));
  ASSERT_TRUE(halfSent.connected());
  ASSERT_TRUE(halfSent.waitUntilServerRead(std::chrono::seconds(10)))
      << "the server never read the half-sent chunk";
  server.kill9();
  server.start();
  admin = server.admin();
  auto status = admin.request("GET", location);
  ASSERT_TRUE(status) << status.error().message;
  ASSERT_EQ(status->status, 200);
  EXPECT_EQ(jsonOf(*status)["offset"], 4000) << "only whole chunks count";
  auto second =
      admin.request("PATCH", location, content.substr(4000), {{"Content-Range", "4000-7999"}});
  ASSERT_TRUE(second) << second.error().message;
  ASSERT_EQ(second->status, 202);
  auto commit = admin.request("PUT", location + "?digest=" + digestString(sha256(content)));
  ASSERT_TRUE(commit) << commit.error().message;
  EXPECT_EQ(commit->status, 201) << commit->body;
}

TEST(CrashTest, AKillMidChunkLeavesBytesPastTheRecordThatTheRestartCutsOff) {
  ServerProcess server;
  cli::HttpClient admin = server.admin();
  std::string content = std::string(5000, 'a') + std::string(7000, 'b');
  auto start = admin.request("POST", "/v1/blobs/uploads?kind=kernel");
  ASSERT_TRUE(start) << start.error().message;
  std::string location = start->header("location");
  ASSERT_EQ(answerOf(admin.request("PATCH", location, content.substr(0, 5000),
                                   {{"Content-Range", "0-4999"}}))
                .status,
            202);
  server.stop();
  // The second chunk's bytes are written at the upload file's end when the server dies.
  server.setEnvironment({{"STELE_CRASHPOINT", "chunk-write"}});
  server.start();
  admin = server.admin();
  auto second =
      admin.request("PATCH", location, content.substr(5000), {{"Content-Range", "5000-11999"}});
  EXPECT_FALSE(second.has_value()) << "the server died mid-chunk, so no answer came back";
  EXPECT_EQ(server.waitExit(), killedBy(SIGKILL)) << "the crashpoint was reached";
  std::string file = server.dataDir() + "/uploads/" + location.substr(location.rfind('/') + 1);
  EXPECT_EQ(std::filesystem::file_size(file), 12000u) << "the chunk's bytes were in the file";
  server.setEnvironment({});
  server.start();
  admin = server.admin();
  EXPECT_EQ(std::filesystem::file_size(file), 5000u) << "cut back to the recorded length";
  auto status = admin.request("GET", location);
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_EQ(jsonOf(*status)["offset"], 5000);
  ASSERT_EQ(answerOf(admin.request("PATCH", location, content.substr(5000),
                                   {{"Content-Range", "5000-11999"}}))
                .status,
            202);
  auto commit = admin.request("PUT", location + "?digest=" + digestString(sha256(content)));
  ASSERT_TRUE(commit) << commit.error().message;
  EXPECT_EQ(commit->status, 201) << commit->body;
}

TEST(CrashTest, KillDuringABlobCommitNeverShowsAHalfBlob) {
  ServerProcess server({}, {{"STELE_CRASHPOINT", "blob-commit"}});
  cli::HttpClient admin = server.admin();
  std::string content = "blob that is being committed";
  std::string digest = digestString(sha256(content));
  auto start = admin.request("POST", "/v1/blobs/uploads?kind=kernel");
  ASSERT_TRUE(start) << start.error().message;
  std::string location = start->header("location");
  auto chunk = admin.request("PATCH", location, content,
                             {{"Content-Range", "0-" + std::to_string(content.size() - 1)}});
  ASSERT_TRUE(chunk) << chunk.error().message;
  ASSERT_EQ(chunk->status, 202);
  auto commit = admin.request("PUT", location + "?digest=" + digest);
  EXPECT_FALSE(commit.has_value()) << "the server died mid-commit, so no answer came back";
  EXPECT_EQ(server.waitExit(), killedBy(SIGKILL)) << "the crashpoint was reached";
  server.setEnvironment({});
  server.start();
  admin = server.admin();
  EXPECT_EQ(answerOf(admin.request("HEAD", "/v1/blobs/" + digest)).status, 404);
  auto status = admin.request("GET", location);
  ASSERT_TRUE(status) << status.error().message;
  ASSERT_EQ(status->status, 200) << "the upload survives and can be committed again";
  EXPECT_EQ(jsonOf(*status)["offset"], content.size());
  EXPECT_EQ(answerOf(admin.request("PUT", location + "?digest=" + digest)).status, 201);
  EXPECT_EQ(answerOf(admin.request("HEAD", "/v1/blobs/" + digest)).status, 200);
}

TEST(CrashTest, KillDuringAManifestCommitLeavesNoVersionAndThePushCanBeRepeated) {
  ServerProcess server({}, {{"STELE_CRASHPOINT", "manifest-commit"}});
  cli::HttpClient admin = server.admin();
  TestKey key = makeKey();
  ASSERT_EQ(addKey(admin, key), 201);
  std::string digest = uploadBlob(admin, "kernel");
  std::string envelope = envelopeFor(manifestFor("web", "1.0.0", digest, 6), {&key});
  auto put = admin.request("PUT", "/v1/images/web/versions/1.0.0", envelope);
  EXPECT_FALSE(put.has_value()) << "the server died mid-commit, so no answer came back";
  EXPECT_EQ(server.waitExit(), killedBy(SIGKILL)) << "the crashpoint was reached";
  server.setEnvironment({});
  server.start();
  admin = server.admin();
  EXPECT_EQ(answerOf(admin.request("GET", "/v1/images/web/versions/1.0.0")).status, 404);
  auto list = admin.request("GET", "/v1/images");
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ(jsonOf(*list)["items"].size(), 0u);
  EXPECT_EQ(putManifest(admin, "web", "1.0.0", envelope).status, 201);
  auto verify = admin.request("POST", "/v1/images/web/versions/1.0.0/verify");
  ASSERT_TRUE(verify) << verify.error().message;
  EXPECT_EQ(jsonOf(*verify)["ok"], true);
}

}  // namespace
}  // namespace stele::testing
