#include "web/http_request_parser.h"

#include <gtest/gtest.h>

namespace stele::services::web {
namespace {

TEST(HttpRequestParser, ParsesSimpleGet) {
  std::string text = "GET /healthz?x=1 HTTP/1.1\r\nHost: web\r\nUser-Agent: t\r\n\r\n";
  ParseResult r = parseHttpRequest(text);
  ASSERT_EQ(r.status, ParseStatus::Complete);
  EXPECT_EQ(r.request.method, "GET");
  EXPECT_EQ(r.request.target, "/healthz?x=1");
  EXPECT_EQ(r.request.path, "/healthz");
  EXPECT_EQ(*r.request.host, "web");
  EXPECT_TRUE(r.request.keepAlive);
  EXPECT_EQ(r.consumed, text.size());
}

TEST(HttpRequestParser, IncompleteUntilTheEmptyLine) {
  std::string text = "GET / HTTP/1.1\r\nHost: web\r\n\r\n";
  for (std::size_t n = 0; n < text.size(); ++n)
    EXPECT_EQ(parseHttpRequest(text.substr(0, n)).status, ParseStatus::Incomplete) << n;
}

TEST(HttpRequestParser, ConsumesOnlyTheFirstOfPipelinedRequests) {
  std::string first = "GET /a HTTP/1.1\r\nHost: w\r\nContent-Length: 3\r\n\r\nabc";
  std::string second = "HEAD /b HTTP/1.1\r\nHost: w\r\n\r\n";
  std::string both = first + second;  // the parse result points into this buffer
  ParseResult r = parseHttpRequest(both);
  ASSERT_EQ(r.status, ParseStatus::Complete);
  EXPECT_EQ(r.consumed, first.size());
  ParseResult next = parseHttpRequest(std::string_view(both).substr(r.consumed));
  ASSERT_EQ(next.status, ParseStatus::Complete);
  EXPECT_EQ(next.request.method, "HEAD");
}

TEST(HttpRequestParser, WaitsForTheWholeBody) {
  EXPECT_EQ(parseHttpRequest("GET / HTTP/1.1\r\nHost: w\r\nContent-Length: 5\r\n\r\nab").status,
            ParseStatus::Incomplete);
}

TEST(HttpRequestParser, ConnectionSemanticsOfHttp10And11) {
  EXPECT_FALSE(parseHttpRequest("GET / HTTP/1.0\r\n\r\n").request.keepAlive);
  EXPECT_TRUE(
      parseHttpRequest("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").request.keepAlive);
  EXPECT_FALSE(parseHttpRequest("GET / HTTP/1.1\r\nHost: w\r\nConnection: foo, close\r\n\r\n")
                   .request.keepAlive);
}

TEST(HttpRequestParser, AcceptsBareLfAndAbsoluteForm) {
  ParseResult r = parseHttpRequest("GET http://web.test/healthz HTTP/1.1\nHost: w\n\n");
  ASSERT_EQ(r.status, ParseStatus::Complete);
  EXPECT_EQ(r.request.path, "/healthz");
}

TEST(HttpRequestParser, MissingHostIn11Is400) {
  ParseResult r = parseHttpRequest("GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(r.status, ParseStatus::Error);
  EXPECT_EQ(r.errorStatus, 400);
}

TEST(HttpRequestParser, LongTargetIs414) {
  std::string text = "GET /" + std::string(5000, 'a') + " HTTP/1.1\r\nHost: w\r\n\r\n";
  EXPECT_EQ(parseHttpRequest(text).errorStatus, 414);
  // Even before the line ends, once it is longer than any allowed request line.
  EXPECT_EQ(parseHttpRequest("GET /" + std::string(9000, 'a')).errorStatus, 414);
}

TEST(HttpRequestParser, LargeHeaderSectionIs431) {
  std::string text = "GET / HTTP/1.1\r\nHost: w\r\nX-Big: " + std::string(20000, 'b') + "\r\n\r\n";
  EXPECT_EQ(parseHttpRequest(text).errorStatus, 431);
  EXPECT_EQ(parseHttpRequest(text.substr(0, 17000)).errorStatus, 431);  // before it ends
  std::string many = "GET / HTTP/1.1\r\nHost: w\r\n";
  for (int i = 0; i < 150; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(parseHttpRequest(many + "\r\n").errorStatus, 431);
}

TEST(HttpRequestParser, BodyBeyondLimitIs413) {
  EXPECT_EQ(
      parseHttpRequest("GET / HTTP/1.1\r\nHost: w\r\nContent-Length: 70000\r\n\r\n").errorStatus,
      413);
}

TEST(HttpRequestParser, UnsupportedVersionIs505AndTransferEncodingIs501) {
  EXPECT_EQ(parseHttpRequest("GET / HTTP/2.0\r\nHost: w\r\n\r\n").errorStatus, 505);
  EXPECT_EQ(parseHttpRequest("GET / HTTP/1.1\r\nHost: w\r\nTransfer-Encoding: chunked\r\n\r\n")
                .errorStatus,
            501);
}

TEST(HttpRequestParser, SyntaxErrorsAre400) {
  for (const char* text :
       {"GET / HTTP/1.1\r\nHost: w\r\n folded\r\n\r\n", "GET / HTTP/1.1\r\nHost : w\r\n\r\n",
        "GET / HTTP/1.1\r\nNoColon\r\n\r\n", "GET /  HTTP/1.1\r\nHost: w\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: w\r\nContent-Length: 1x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "GET nopath HTTP/1.1\r\nHost: w\r\n\r\n"}) {
    ParseResult r = parseHttpRequest(text);
    EXPECT_EQ(r.status, ParseStatus::Error) << text;
    EXPECT_EQ(r.errorStatus, 400) << text;
  }
}

}  // namespace
}  // namespace stele::services::web
