// The HTTP edge against a real server over loopback, spoken byte by byte: requests are
// admitted on their headers, framing that could be read two ways never reaches a handler,
// slow and idle clients are cut, and many hostile connections stay within the memory budget.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "common/sha256.h"
#include "tests/support/raw_connection.h"
#include "tests/support/registry_client.h"
#include "tests/support/resident_memory.h"
#include "tests/support/server_process.h"
#include "tests/support/signing.h"

namespace stele::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kSomeUpload = "/v1/blobs/uploads/0123456789abcdef0123456789abcdef";

class EdgeApiTest : public ::testing::Test {
 protected:
  // stele_handler_calls_total; the /metrics request that reads it counts itself.
  long handlerCalls() {
    std::string text = answerOf(admin_.request("GET", "/metrics")).body;
    auto at = text.find("\nstele_handler_calls_total ");
    return at == std::string::npos ? -1 : std::atol(text.c_str() + at + 27);
  }
  std::string authorized() const {
    return "Host: x\r\nAuthorization: Bearer " + server_.adminToken() + "\r\n";
  }

  ServerProcess server_{{"--header-timeout-ms", "500", "--idle-timeout-ms", "1500"}};
  cli::HttpClient admin_ = server_.admin();
};

TEST_F(EdgeApiTest, RequestWithoutAValidTokenIsAnsweredOnItsHeadersAndItsBodyIsNeverRead) {
  for (std::string auth : {"", "Authorization: Bearer stele_0000\r\n"}) {
    long before = handlerCalls();
    RawConnection c(server_.port());
    ASSERT_TRUE(c.connected());
    // Claims a 64 MiB chunk and sends none of it: the answer cannot wait for the body.
    ASSERT_TRUE(c.send(std::string("PATCH ") + kSomeUpload + " HTTP/1.1\r\nHost: x\r\n" + auth +
                       "Content-Range: 0-67108863\r\nContent-Length: 67108864\r\n\r\n"));
    std::string response = c.readResponse(seconds(10));
    EXPECT_EQ(statusOf(response), 401) << response;
    EXPECT_NE(bodyOf(response).find("\"unauthenticated\""), std::string::npos) << response;
    EXPECT_TRUE(c.closedWithin(seconds(10))) << "a large unread body ends the connection";
    EXPECT_EQ(handlerCalls(), before + 1) << "no handler ran for the refused request";
  }
}

TEST_F(EdgeApiTest, AmbiguousOrMalformedFramingGets400JsonAndNeverReachesAHandler) {
  struct Case {
    std::string framing;
    std::string code;
  };
  std::vector<Case> cases = {
      {"Content-Length: 2\r\nContent-Length: 2\r\n", "content_length_conflict"},
      {"Content-Length: 2\r\nContent-Length: 3\r\n", "content_length_conflict"},
      {"Content-Length: 2\r\nTransfer-Encoding: chunked\r\n", "framing_conflict"},
      {"Transfer-Encoding: chunked\r\n", "transfer_encoding_unsupported"},
      {"Content-Length: -2\r\n", "content_length_invalid"},
      {"Content-Length: two\r\n", "content_length_invalid"},
      {"Content-Length: +2\r\n", "content_length_invalid"},
      {"Content-Length: 2, 2\r\n", "content_length_invalid"},
      {"Content-Length: 99999999999999999999\r\n", "content_length_invalid"},
  };
  for (const Case& c : cases) {
    long before = handlerCalls();
    RawConnection connection(server_.port());
    ASSERT_TRUE(
        connection.send("POST /v1/tokens HTTP/1.1\r\n" + authorized() + c.framing + "\r\n{}"));
    std::string response = connection.readResponse(seconds(10));
    EXPECT_EQ(statusOf(response), 400) << c.framing << response;
    EXPECT_NE(bodyOf(response).find("\"code\":\"" + c.code + "\""), std::string::npos)
        << c.framing << response;
    EXPECT_TRUE(connection.closedWithin(seconds(10))) << c.framing;
    EXPECT_EQ(handlerCalls(), before + 1) << c.framing;
  }
  EXPECT_EQ(jsonOf(answerOf(admin_.request("GET", "/v1/tokens")))["items"].size(), 1u)
      << "no token was created";
}

TEST_F(EdgeApiTest, OversizedHeaderSectionGets431Json) {
  std::string manyHeaders;
  for (int i = 0; i < 200; ++i) manyHeaders += "X-H" + std::to_string(i) + ": v\r\n";
  for (const std::string& extra : {"X-Filler: " + std::string(20000, 'a') + "\r\n", manyHeaders}) {
    long before = handlerCalls();
    RawConnection c(server_.port());
    ASSERT_TRUE(c.send("GET /v1/whoami HTTP/1.1\r\n" + authorized() + extra + "\r\n"));
    std::string response = c.readResponse(seconds(10));
    EXPECT_EQ(statusOf(response), 431) << response.substr(0, 300);
    EXPECT_NE(bodyOf(response).find("\"headers_too_large\""), std::string::npos);
    EXPECT_TRUE(c.closedWithin(seconds(10)));
    EXPECT_EQ(handlerCalls(), before + 1);
  }
}

TEST_F(EdgeApiTest, SlowHeaderClientIsCutAtTheHeaderTimeoutEvenWhileItKeepsSending) {
  RawConnection c(server_.port());
  ASSERT_TRUE(c.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "));
  bool closed = false;
  // One byte every 100 ms keeps the connection from being idle; the head never completes.
  for (int i = 0; i < 100 && !closed; ++i) {
    closed = !c.send("a") || c.closedWithin(milliseconds(100));
  }
  EXPECT_TRUE(closed) << "the server kept a head-trickling client for 10 s";
  EXPECT_EQ(answerOf(admin_.request("GET", "/healthz")).status, 200);
}

TEST_F(EdgeApiTest, IdleConnectionIsClosedAndAKeptAliveOneServesManyRequests) {
  RawConnection idle(server_.port());
  ASSERT_TRUE(idle.connected());
  EXPECT_TRUE(idle.closedWithin(seconds(15))) << "an idle connection was never closed";
  RawConnection kept(server_.port());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(kept.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_EQ(statusOf(kept.readResponse(seconds(10))), 200) << i;
  }
}

TEST_F(EdgeApiTest, PipelinedRequestsAndExpectContinueAreServedInOrder) {
  RawConnection c(server_.port());
  ASSERT_TRUE(c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/whoami HTTP/1.1\r\n" +
                     authorized() + "\r\n"));
  EXPECT_EQ(statusOf(c.readResponse(seconds(10))), 200);
  std::string second = c.readResponse(seconds(10));
  EXPECT_EQ(statusOf(second), 200);
  EXPECT_NE(bodyOf(second).find("admin"), std::string::npos) << second;
  ASSERT_TRUE(c.send("POST /v1/tokens HTTP/1.1\r\n" + authorized() +
                     "Expect: 100-continue\r\nContent-Length: 17\r\n\r\n"));
  EXPECT_EQ(statusOf(c.readResponse(seconds(10))), 100);
  ASSERT_TRUE(c.send(R"({"role":"viewer"})"));
  EXPECT_EQ(statusOf(c.readResponse(seconds(10))), 201);
}

// Each of 200 tokenless connections claims a 64 MiB body and sends it slowly; the server
// answers each on its headers and holds none of it. The budget: the server's resident memory
// grows by less than 64 MiB (docs/api.md, "Limits"), and a normal push still works meanwhile.
TEST(EdgeLoadTest, TwoHundredSlowTokenlessUploadsStayInTheMemoryBudgetWhileAPushSucceeds) {
  ServerProcess server;
  cli::HttpClient admin = server.admin();
  long baseline = residentKiB(server.pid());
  ASSERT_GT(baseline, 0);
  std::vector<std::unique_ptr<RawConnection>> attackers;
  std::string head = std::string("PATCH ") + kSomeUpload +
                     " HTTP/1.1\r\nHost: x\r\nContent-Range: 0-67108863\r\n"
                     "Content-Length: 67108864\r\n\r\n";
  int answered = 0;
  for (int i = 0; i < 200; ++i) {
    attackers.push_back(std::make_unique<RawConnection>(server.port()));
    ASSERT_TRUE(attackers.back()->connected()) << i;
    attackers.back()->send(head);
    answered += statusOf(attackers.back()->readResponse(seconds(5))) == 401;
  }
  EXPECT_EQ(answered, 200) << "every tokenless request is answered 401 on its headers";
  std::atomic<bool> pushed{false};
  std::thread pusher([&] {
    cli::HttpClient client = server.admin();
    TestKey key = makeKey();
    if (addKey(client, key, "*") != 201) return;
    std::string kernel(4u << 20, 'k');
    std::string digest = uploadBlob(client, kernel);
    auto manifest = manifestFor("web", "1.0.0", digest, static_cast<std::int64_t>(kernel.size()));
    pushed = putManifest(client, "web", "1.0.0", envelopeFor(manifest, {&key})).status == 201;
  });
  long peak = baseline;
  std::string piece(16u << 10, 'x');
  for (int round = 0; round < 20; ++round) {  // about 2 s of trickling bodies
    for (auto& a : attackers) a->send(piece);
    peak = std::max(peak, residentKiB(server.pid()));
    std::this_thread::sleep_for(milliseconds(100));
  }
  pusher.join();
  peak = std::max(peak, residentKiB(server.pid()));
  EXPECT_TRUE(pushed) << "a normal push failed while the server was under load";
  EXPECT_LT(peak - baseline, 64 * 1024)
      << "resident memory grew from " << baseline << " KiB to " << peak << " KiB";
  std::printf("edge load: VmRSS %ld KiB before, %ld KiB peak\n", baseline, peak);
}

// Upload chunks stream to disk in pieces: a chunk many times the edge's 256 KiB buffer commits
// intact, a wrong offset is answered from the head, and a chunk cut off midway never counts.
TEST(StreamingUploadTest, BigChunksStreamWrongOffsetsAreAnsweredOnTheHeadAndCutChunksDoNotCount) {
  ServerProcess server({"--max-chunk-size", "4MiB"});
  cli::HttpClient admin = server.admin();
  std::string location =
      answerOf(admin.request("POST", "/v1/blobs/uploads?kind=kernel")).header("location");
  ASSERT_FALSE(location.empty());
  std::string content(3u << 20, '\0');
  for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 131 % 251);
  std::string head = "PATCH " + location + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                     server.adminToken() + "\r\n";
  {
    RawConnection wrong(server.port());
    ASSERT_TRUE(wrong.send(head + "Content-Range: 5-9\r\nContent-Length: 5\r\n\r\n"));
    std::string response = wrong.readResponse(seconds(10));
    EXPECT_EQ(statusOf(response), 416) << "answered before the body: " << response;
    EXPECT_NE(bodyOf(response).find("chunk_out_of_order"), std::string::npos);
  }
  {
    RawConnection cut(server.port());
    ASSERT_TRUE(cut.send(head + "Content-Range: 0-3145727\r\nContent-Length: 3145728\r\n\r\n" +
                         content.substr(0, 1u << 20)));
  }  // the client goes away a third of the way in
  EXPECT_EQ(jsonOf(answerOf(admin.request("GET", location)))["offset"], 0);
  auto range = std::vector<std::pair<std::string, std::string>>{{"Content-Range", "0-3145727"}};
  cli::ClientResponse chunk;
  // The server may still be noticing the cut connection (409 upload_busy): a client retries.
  for (int i = 0; i < 100; ++i) {
    chunk = answerOf(admin.request("PATCH", location, content, range));
    if (chunk.status != 409) break;
    std::this_thread::sleep_for(milliseconds(50));
  }
  ASSERT_EQ(chunk.status, 202) << chunk.body;
  EXPECT_EQ(jsonOf(chunk)["offset"], content.size());
  auto commit =
      answerOf(admin.request("PUT", location + "?digest=" + digestString(sha256(content))));
  EXPECT_EQ(commit.status, 201) << commit.body;
  EXPECT_EQ(jsonOf(commit)["size"], content.size());
}

}  // namespace
}  // namespace stele::testing
