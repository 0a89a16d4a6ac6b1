// stele-web as a process in a network namespace, driven by curl and raw sockets.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <tuple>

#include "malformed_inputs.h"
#include "netns_harness.h"

namespace stele::services::testing {
namespace {

constexpr const char* kServer = "192.0.2.80";
const std::string kUrl = std::string("http://") + kServer;

class WebProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(haveRootAndIp())
        << "these tests need root and iproute2 (scripts/test.sh runs as root)";
    std::tie(server_, client_) = linkServerAndClient(namespaces_, "192.0.2.80/24", "192.0.2.2/24");
    web_ = std::make_unique<ApplianceProcess>(
        server_, "web", "instance web-blue-3\nversion 4.5.6\nlisten 192.0.2.80:80\n");
    ASSERT_TRUE(web_->waitReady()) << web_->stderrText();
  }

  CommandResult curl(std::vector<std::string> arguments) {
    std::vector<std::string> argv = {"curl", "-sS", "-m", "10"};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return runIn(client_, argv);
  }
  std::string raw(const std::string& request) {
    return tcpExchange(client_, kServer, 80, request, 3);
  }

  NamespaceSet namespaces_;
  std::string server_, client_;
  std::unique_ptr<ApplianceProcess> web_;
};

TEST_F(WebProcessTest, PageNamesInstanceAndImageVersion) {
  CommandResult r = curl({kUrl + "/"});
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "web-blue-3")) << r.output;
  EXPECT_TRUE(contains(r.output, "4.5.6")) << r.output;
}

TEST_F(WebProcessTest, HealthzIs200AndHeadHasNoBody) {
  EXPECT_EQ(curl({"-o", "/dev/null", "-w", "%{http_code}", kUrl + "/healthz"}).output, "200");
  CommandResult head = curl({"-I", kUrl + "/"});
  EXPECT_TRUE(contains(head.output, "HTTP/1.1 200 OK")) << head.output;
  EXPECT_FALSE(contains(head.output, "<html")) << head.output;
}

TEST_F(WebProcessTest, KeepAliveServesTwoUrlsOnOneConnection) {
  CommandResult r = curl({"-v", kUrl + "/healthz", kUrl + "/version"});
  EXPECT_TRUE(contains(r.output, "Re-using existing connection")) << r.output;
  EXPECT_TRUE(contains(r.output, "web-blue-3 4.5.6")) << r.output;
}

TEST_F(WebProcessTest, PipelinedRequestsAreAnsweredInOrder) {
  std::string reply =
      raw("GET /healthz HTTP/1.1\r\nHost: w\r\n\r\n"
          "GET /nope HTTP/1.1\r\nHost: w\r\n\r\n"
          "GET /version HTTP/1.1\r\nHost: w\r\nConnection: close\r\n\r\n");
  std::size_t ok = reply.find("HTTP/1.1 200 OK");
  std::size_t missing = reply.find("HTTP/1.1 404 Not Found");
  std::size_t version = reply.find("web-blue-3 4.5.6");
  ASSERT_NE(ok, std::string::npos) << reply;
  ASSERT_NE(missing, std::string::npos) << reply;
  ASSERT_NE(version, std::string::npos) << reply;
  EXPECT_LT(ok, missing);
  EXPECT_LT(missing, version);
}

TEST_F(WebProcessTest, BadRequestsGetTheRightStatus) {
  EXPECT_TRUE(raw("GET / HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 400 Bad Request"));
  EXPECT_TRUE(raw("GARBAGE\r\n\r\n").starts_with("HTTP/1.1 400 "));
  EXPECT_TRUE(
      raw("GET /missing HTTP/1.1\r\nHost: w\r\n\r\n").starts_with("HTTP/1.1 404 Not Found"));
  std::string post =
      raw("POST / HTTP/1.1\r\nHost: w\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi");
  EXPECT_TRUE(post.starts_with("HTTP/1.1 405 Method Not Allowed")) << post;
  EXPECT_TRUE(contains(post, "Allow: GET, HEAD")) << post;
  std::string longUri = raw("GET /" + std::string(10000, 'u') + " HTTP/1.1\r\nHost: w\r\n\r\n");
  EXPECT_TRUE(longUri.starts_with("HTTP/1.1 414 URI Too Long")) << longUri.substr(0, 100);
  std::string bigHeader =
      raw("GET / HTTP/1.1\r\nHost: w\r\nX-Fill: " + std::string(30000, 'h') + "\r\n\r\n");
  EXPECT_TRUE(bigHeader.starts_with("HTTP/1.1 431 Request Header Fields Too Large"))
      << bigHeader.substr(0, 100);
  EXPECT_TRUE(raw("GET / HTTP/3.0\r\nHost: w\r\n\r\n").starts_with("HTTP/1.1 505 "));
}

TEST_F(WebProcessTest, ErrorResponsesCloseTheConnection) {
  std::string reply = raw("GET / HTTP/1.1\r\n\r\nGET /healthz HTTP/1.1\r\nHost: w\r\n\r\n");
  EXPECT_TRUE(contains(reply, "Connection: close")) << reply;
  EXPECT_FALSE(contains(reply, "200 OK")) << reply;
}

TEST_F(WebProcessTest, LargeRequestBodyIsReadAndAnswered) {
  std::string body = writeTempFile(std::string(60000, 'b'));
  CommandResult r = curl({"-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT", "--data-binary",
                          "@" + body, kUrl + "/"});
  unlink(body.c_str());
  EXPECT_EQ(r.output, "405") << r.output;
}

TEST_F(WebProcessTest, MalformedRequestsNeverKillTheServer) {
  for (const std::string& request : malformedHttpRequests()) {
    std::string reply = raw(request);
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 4") || reply.starts_with("HTTP/1.1 5")) << request;
  }
  raw(std::string(200000, 'x'));                                    // no line end at all
  raw("GET / HTTP/1.1\r\nHost: w\r\nContent-Length: 5\r\n\r\nab");  // body never completes
  EXPECT_TRUE(web_->alive());
  EXPECT_EQ(curl({"-o", "/dev/null", "-w", "%{http_code}", kUrl + "/healthz"}).output, "200");
}

TEST_F(WebProcessTest, ServesManyConcurrentConnections) {
  constexpr int kConnections = 300;
  int answered = 0;
  runInNamespace(client_, [&] {
    std::vector<int> sockets;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(80);
    inet_pton(AF_INET, kServer, &address.sin_addr);
    for (int i = 0; i < kConnections; ++i) {
      int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        close(fd);
        continue;
      }
      sockets.push_back(fd);
    }
    // All connections are open at once; now each asks and must be answered.
    const std::string request = "GET /healthz HTTP/1.1\r\nHost: w\r\n\r\n";
    for (int fd : sockets) send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    for (int fd : sockets) {
      pollfd p{fd, POLLIN, 0};
      char buffer[512];
      if (poll(&p, 1, 5000) > 0 && recv(fd, buffer, sizeof buffer, 0) > 0 &&
          std::string_view(buffer, 15) == "HTTP/1.1 200 OK")
        ++answered;
      close(fd);
    }
  });
  EXPECT_EQ(answered, kConnections);
}

TEST(WebProcessCli, BadConfigIsRefusedWithLineAndReason) {
  CommandResult r = runWithConfig("web", "instance a\nlisten 1.2.3.4:http\n");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_TRUE(contains(r.output, "config line 2: '1.2.3.4:http' is not ADDRESS or ADDRESS:PORT"))
      << r.output;
}

}  // namespace
}  // namespace stele::services::testing
