// Chunked, resumable uploads against a real `stele server`.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/sha256.h"
#include "tests/support/registry_client.h"
#include "tests/support/server_process.h"

namespace stele::testing {
namespace {

std::size_t uploadFiles(const ServerProcess& server) {
  std::size_t n = 0;
  for ([[maybe_unused]] auto& e :
       std::filesystem::directory_iterator(server.dataDir() + "/uploads"))
    ++n;
  return n;
}

class UploadApiTest : public ::testing::Test {
 protected:
  std::string start(const std::string& kind = "kernel") {
    auto r = answerOf(admin_.request("POST", "/v1/blobs/uploads?kind=" + kind));
    EXPECT_EQ(r.status, 202);
    return r.header("location");
  }
  cli::ClientResponse chunk(const std::string& location, std::size_t from,
                            const std::string& bytes) {
    return answerOf(admin_.request(
        "PATCH", location, bytes,
        {{"Content-Range", std::to_string(from) + "-" + std::to_string(from + bytes.size() - 1)}}));
  }

  ServerProcess server_{{"--max-kernel-size", "1KiB", "--max-chunk-size", "64KiB"}};
  cli::HttpClient admin_ = server_.admin();
};

TEST_F(UploadApiTest, OutOfOrderChunkGets416AndTheUploadResumesFromTheServerOffset) {
  std::string location = start();
  EXPECT_EQ(chunk(location, 0, "0123456789").status, 202);
  auto gap = chunk(location, 20, "abc");
  EXPECT_EQ(gap.status, 416);
  EXPECT_EQ(errorCode(gap), "chunk_out_of_order");
  auto status = admin_.request("GET", location);
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_EQ(jsonOf(*status)["offset"], 10);
  EXPECT_EQ(status->header("range"), "0-9");
  EXPECT_EQ(chunk(location, 10, "abc").status, 202);
  auto commit =
      admin_.request("PUT", location + "?digest=" + digestString(sha256("0123456789abc")));
  EXPECT_EQ(commit->status, 201) << commit->body;
  auto head = admin_.request("HEAD", "/v1/blobs/" + digestString(sha256("0123456789abc")));
  ASSERT_TRUE(head) << head.error().message;
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("stele-blob-size"), "13");
}

TEST_F(UploadApiTest, AFinalChunkMayRideOnTheCommit) {
  std::string location = start();
  EXPECT_EQ(chunk(location, 0, "head-").status, 202);
  auto commit = admin_.request("PUT", location + "?digest=" + digestString(sha256("head-tail")),
                               "tail", {{"Content-Range", "5-8"}});
  ASSERT_TRUE(commit) << commit.error().message;
  EXPECT_EQ(commit->status, 201) << commit->body;
}

TEST_F(UploadApiTest, PassingTheSizeLimitGets413AndThePartialFileIsGone) {
  std::string location = start();  // kernel limit is 1 KiB on this server
  EXPECT_EQ(chunk(location, 0, std::string(1000, 'a')).status, 202);
  EXPECT_EQ(uploadFiles(server_), 1u);
  auto over = chunk(location, 1000, std::string(100, 'b'));
  EXPECT_EQ(over.status, 413);
  EXPECT_EQ(errorCode(over), "upload_too_large");
  EXPECT_EQ(uploadFiles(server_), 0u);
  EXPECT_EQ(answerOf(admin_.request("GET", location)).status, 404);
}

TEST_F(UploadApiTest, LyingContentLengthsAppendNothingAndTheServerStaysUp) {
  std::string location = start();
  std::string head = "PATCH " + location + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                     server_.adminToken() + "\r\nContent-Range: 0-9\r\n";
  // Claims less than it sends: the handler sees 5 bytes against a 10-byte range.
  std::string shortClaim =
      rawExchange(server_.port(), head + "Content-Length: 5\r\n\r\n0123456789", 1000);
  EXPECT_NE(shortClaim.find(" 400 "), std::string::npos) << shortClaim.substr(0, 200);
  EXPECT_NE(shortClaim.find("content_range_mismatch"), std::string::npos);
  // Claims far more than any request may carry (the transport cap is the chunk limit + 1 MiB).
  std::string hugeClaim =
      rawExchange(server_.port(),
                  head + "Content-Length: 5000000000\r\n\r\n" + std::string(2 << 20, 'z'), 1000);
  EXPECT_EQ(hugeClaim.find(" 202 "), std::string::npos) << hugeClaim.substr(0, 200);
  auto mismatch = answerOf(admin_.request("PATCH", location, "12345", {{"Content-Range", "0-9"}}));
  EXPECT_EQ(mismatch.status, 400);
  EXPECT_EQ(errorCode(mismatch), "content_range_mismatch");
  EXPECT_EQ(jsonOf(answerOf(admin_.request("GET", location)))["offset"], 0)
      << "nothing was appended";
  EXPECT_EQ(answerOf(admin_.request("GET", "/healthz")).status, 200);
}

TEST_F(UploadApiTest, DigestMismatchTruncatedOrWithExtraBytesIsRefusedAndDiscarded) {
  std::string content = "the real content";
  for (const std::string& sent : {content.substr(0, 8), content + "extra"}) {
    std::string location = start();
    EXPECT_EQ(chunk(location, 0, sent).status, 202);
    auto commit = admin_.request("PUT", location + "?digest=" + digestString(sha256(content)));
    ASSERT_TRUE(commit) << commit.error().message;
    EXPECT_EQ(commit->status, 400);
    EXPECT_EQ(errorCode(*commit), "digest_mismatch");
    EXPECT_EQ(answerOf(admin_.request("HEAD", "/v1/blobs/" + digestString(sha256(content)))).status,
              404);
  }
  EXPECT_EQ(uploadFiles(server_), 0u);
}

TEST_F(UploadApiTest, MalformedDigestsAndRangesAreRefused) {
  std::string location = start();
  EXPECT_EQ(chunk(location, 0, "x").status, 202);
  for (const std::string& digest :
       {std::string("sha256:abc"), std::string("sha256:") + std::string(64, 'G'),
        std::string("md5:00"), std::string("")}) {
    std::string target = location;
    target += "?digest=";
    target += digest;
    auto r = admin_.request("PUT", target);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->status, 400) << digest;
  }
  EXPECT_EQ(answerOf(admin_.request("HEAD", "/v1/blobs/sha256:xyz")).status, 400);
  EXPECT_EQ(errorCode(answerOf(admin_.request("GET", "/v1/blobs/sha256:xyz"))), "digest_invalid");
  for (const std::string& range :
       {std::string("abc"), std::string("5-2"), std::string("-1-0"), std::string("")}) {
    auto r = admin_.request("PATCH", location, "y", {{"Content-Range", range}});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->status, 400) << range;
  }
  auto none = admin_.request("PATCH", location, "y");
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_EQ(errorCode(*none), "content_range_missing");
  EXPECT_EQ(errorCode(answerOf(admin_.request("POST", "/v1/blobs/uploads?kind=rootfs"))),
            "kind_invalid");
}

TEST_F(UploadApiTest, CancelledUploadIsGone) {
  std::string location = start();
  EXPECT_EQ(chunk(location, 0, "abc").status, 202);
  EXPECT_EQ(answerOf(admin_.request("DELETE", location)).status, 204);
  EXPECT_EQ(answerOf(admin_.request("GET", location)).status, 404);
  EXPECT_EQ(uploadFiles(server_), 0u);
}

}  // namespace
}  // namespace stele::testing
