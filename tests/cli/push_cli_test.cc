// The `stele` binary as a pipeline and an admin use it, against a real server.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/sha256.h"
#include "images/manifest.h"
#include "tests/support/registry_client.h"
#include "tests/support/run_command.h"
#include "tests/support/server_process.h"

namespace stele::testing {
namespace {

class CliTest : public ::testing::Test {
 protected:
  CommandResult stele(std::vector<std::string> args, const std::string& token = "") {
    args.insert(args.begin(), STELE_BINARY);
    return runCommand(args,
                      {{"STELE_SERVER", server_.url()},
                       {"STELE_TOKEN", token.empty() ? server_.adminToken() : token}},
                      work_.path());
  }
  void writeFile(const std::string& name, const std::string& bytes) {
    std::ofstream(work_.file(name), std::ios::binary) << bytes;
  }

  ServerProcess server_;
  TempDir work_;
};

TEST_F(CliTest, PipelinePushesASignedImageAndAnAdminVerifiesIt) {
  ASSERT_EQ(stele({"keygen", "--out", "ci"}).exitStatus, 0);
  auto added = stele({"key", "add", "ci.pub", "--names", "web*", "--comment", "pipeline"});
  ASSERT_EQ(added.exitStatus, 0) << added.err;
  auto token = stele({"token", "create", "--role", "pusher", "--names", "web*"});
  ASSERT_EQ(token.exitStatus, 0) << token.err;
  std::string pusher = token.out.substr(0, token.out.find('\n'));
  EXPECT_NE(token.err.find("not shown again"), std::string::npos);

  writeFile("kernel", std::string(3 << 20, 'k'));
  writeFile("initrd", std::string(100000, 'i'));
  auto push = stele(
      {"push", "web:1.0.0", "--kernel", "kernel", "--initrd", "initrd", "--cmdline",
       "console=ttyS0", "--annotation", "commit=abc", "--chunk-size", "1MiB", "--key", "ci.key"},
      pusher);
  ASSERT_EQ(push.exitStatus, 0) << push.err;
  EXPECT_NE(push.out.find("web:1.0.0 pushed sha256:"), std::string::npos);
  EXPECT_NE(push.err.find("kernel uploaded 3.0 MiB"), std::string::npos)
      << "plain progress lines off a TTY";

  auto again = stele({"push", "web:1.0.0", "--kernel", "kernel", "--initrd", "initrd", "--cmdline",
                      "console=ttyS0", "--annotation", "commit=abc", "--key", "ci.key"},
                     pusher);
  EXPECT_EQ(again.exitStatus, 0);
  EXPECT_NE(again.err.find("already on the server, skipped"), std::string::npos);
  EXPECT_NE(again.out.find("unchanged"), std::string::npos);

  auto list = stele({"get", "images", "-o", "json"});
  ASSERT_EQ(list.exitStatus, 0);
  auto items = nlohmann::json::parse(list.out);
  EXPECT_EQ(items[0]["name"], "web");
  auto table = stele({"get", "images"});
  EXPECT_NE(table.out.find("NAME"), std::string::npos);
  auto verify = stele({"image", "verify", "web:1.0.0"});
  EXPECT_EQ(verify.exitStatus, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("web:1.0.0: OK"), std::string::npos);
}

TEST_F(CliTest, ABigFileIsSentWhileItIsHashedAndNotFinishedWhenTheServerHasIt) {
  ASSERT_EQ(stele({"keygen", "--out", "ci"}).exitStatus, 0);
  ASSERT_EQ(stele({"key", "add", "ci.pub"}).exitStatus, 0);
  std::string bytes(6 << 20, '\0');  // over kHashFirstBytes: chunks go out before the digest
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i % 251);
  writeFile("disk", bytes);
  auto first =
      stele({"push", "big:1.0.0", "--disk", "disk", "--chunk-size", "1MiB", "--key", "ci.key"});
  ASSERT_EQ(first.exitStatus, 0) << first.err;
  EXPECT_NE(first.err.find("disk uploaded 6.0 MiB"), std::string::npos) << first.err;
  cli::HttpClient admin = server_.admin();
  auto version =
      nlohmann::json::parse(answerOf(admin.request("GET", "/v1/images/big/versions/1.0.0")).body);
  EXPECT_EQ(version["blobs"][0]["digest"], digestString(sha256(bytes)));
  EXPECT_EQ(version["blobs"][0]["size"], 6 << 20);
  auto again =
      stele({"push", "big:1.0.1", "--disk", "disk", "--chunk-size", "1MiB", "--key", "ci.key"});
  ASSERT_EQ(again.exitStatus, 0) << again.err;
  EXPECT_NE(again.err.find("already on the server, skipped"), std::string::npos) << again.err;
  auto open = nlohmann::json::parse(answerOf(admin.request("GET", "/v1/blobs/uploads")).body);
  EXPECT_EQ(open["items"].size(), 0u) << "the upload started before the digest was cancelled";
}

TEST_F(CliTest, RefusalsExitNonZeroWithTheServersMessage) {
  ASSERT_EQ(stele({"keygen", "--out", "ci"}).exitStatus, 0);
  writeFile("kernel", "kernel");
  auto unknownKey = stele({"push", "web:1.0.0", "--kernel", "kernel", "--key", "ci.key"});
  EXPECT_EQ(unknownKey.exitStatus, 1);
  EXPECT_NE(unknownKey.err.find("is not in the trust store (HTTP 422)"), std::string::npos)
      << unknownKey.err;
  ASSERT_EQ(stele({"key", "add", "ci.pub", "--names", "dns"}).exitStatus, 0);
  auto notAllowed = stele({"push", "web:1.0.0", "--kernel", "kernel", "--key", "ci.key"});
  EXPECT_NE(notAllowed.err.find("may not sign images named \"web\""), std::string::npos);
  auto viewer = stele({"token", "create", "--role", "viewer"});
  std::string viewerToken = viewer.out.substr(0, viewer.out.find('\n'));
  auto forbidden =
      stele({"push", "dns:1.0.0", "--kernel", "kernel", "--key", "ci.key"}, viewerToken);
  EXPECT_EQ(forbidden.exitStatus, 1);
  EXPECT_NE(forbidden.err.find("HTTP 403"), std::string::npos) << forbidden.err;
  auto usage = stele({"push", "web:1.0.0", "--kernel", "kernel"});
  EXPECT_EQ(usage.exitStatus, 2);
  EXPECT_NE(usage.err.find("--key"), std::string::npos);
  auto noServer = runCommand({STELE_BINARY, "get", "images", "--server", "http://127.0.0.1:1"});
  EXPECT_EQ(noServer.exitStatus, 1);
  EXPECT_NE(noServer.err.find("cannot connect"), std::string::npos);
  EXPECT_EQ(stele({"keygen", "--out", "ci"}).exitStatus, 1) << "never overwrites a key";
}

TEST_F(CliTest, PushFromAnImageBuildDraftKeepsItsConfigKeysAndResources) {
  ASSERT_EQ(stele({"keygen", "--out", "ci"}).exitStatus, 0);
  ASSERT_EQ(stele({"key", "add", "ci.pub"}).exitStatus, 0);
  std::filesystem::create_directories(work_.file("draft"));
  writeFile("draft/kernel", "kernel bytes");
  writeFile("draft/initrd", "initrd bytes");
  images::Manifest draft;
  draft.name = "web";
  draft.version = "0.1.0-dev";
  draft.bootKind = "kernel";
  draft.cmdline = "console=ttyS0 quiet";
  draft.blobs = {{"initrd", "sha256:" + std::string(64, '0'), 12},
                 {"kernel", "sha256:" + std::string(64, '0'), 12}};
  draft.memoryMiB = 32;
  draft.config = {{"interface", true, "NAME|MAC ADDRESS/LEN"}};
  draft.annotations = {{"builder", "images/build-images.sh"}};
  writeFile("draft/manifest.json", images::serializeManifest(draft));
  auto push = stele(
      {"push", "web:2.0.0", "--draft", "draft", "--annotation", "commit=abc", "--key", "ci.key"});
  ASSERT_EQ(push.exitStatus, 0) << push.err;
  cli::HttpClient admin = server_.admin();
  auto version =
      nlohmann::json::parse(answerOf(admin.request("GET", "/v1/images/web/versions/2.0.0")).body);
  EXPECT_EQ(version["resources"]["memoryMiB"], 32);
  EXPECT_EQ(version["boot"]["cmdline"], "console=ttyS0 quiet");
  EXPECT_EQ(version["config"][0]["key"], "interface");
  EXPECT_EQ(version["config"][0]["required"], true);
  EXPECT_EQ(version["annotations"]["builder"], "images/build-images.sh");
  EXPECT_EQ(version["annotations"]["commit"], "abc");
  EXPECT_EQ(version["blobs"].size(), 2u);
  writeFile("draft/manifest.json", "{\"name\":\"web\"}");
  auto stale = stele({"push", "web:2.0.1", "--draft", "draft", "--key", "ci.key"});
  EXPECT_EQ(stale.exitStatus, 1);
  EXPECT_NE(stale.err.find("draft/manifest.json"), std::string::npos) << stale.err;
}

TEST_F(CliTest, KeyLifecycleThroughTheCli) {
  ASSERT_EQ(stele({"keygen", "--out", "k"}).exitStatus, 0);
  auto added = stele({"key", "add", "k.pub", "--not-after", "2030-01-01T00:00:00Z"});
  ASSERT_EQ(added.exitStatus, 0) << added.err;
  std::string id = added.out.substr(4, 64);
  EXPECT_NE(stele({"key", "list"}).out.find("2030-01-01T00:00:00Z"), std::string::npos);
  EXPECT_NE(stele({"key", "retire", id}).out.find("retired"), std::string::npos);
  EXPECT_NE(stele({"key", "revoke", id}).out.find("revoked"), std::string::npos);
  EXPECT_EQ(stele({"key", "revoke", "../../etc"}).exitStatus, 1);
  EXPECT_EQ(stele({"key", "add", "k.pub", "--not-after", "tomorrow"}).exitStatus, 2);
}

}  // namespace
}  // namespace stele::testing
