// The strict request-head parser: what it accepts, and each way of framing a request that
// two readers could disagree on, refused with its own code.
#include "api/request_head.h"

#include <gtest/gtest.h>

namespace stele::api {
namespace {

Result<RequestHead> parse(const std::string& text, HeadLimits limits = {}) {
  return parseRequestHead(text, limits);
}

std::string codeOf(const std::string& text) {
  auto head = parse(text);
  return head ? "ok" : head.error().code;
}

TEST(RequestHeadTest, ParsesMethodPathDecodedQueryHeadersAndLength) {
  auto head = parse(
      "PUT /v1/blobs/uploads/ab?digest=sha256%3Aff&kind=disk HTTP/1.1\r\nHost: x\r\n"
      "Content-Length: 12\r\nX-Twice: a\r\nx-twice: b\r\nAuthorization:  Bearer t  \r\n\r\n");
  ASSERT_TRUE(head) << head.error().message;
  EXPECT_EQ(head->method, "PUT");
  EXPECT_EQ(head->path, "/v1/blobs/uploads/ab");
  EXPECT_EQ(head->query.at("digest"), "sha256:ff");
  EXPECT_EQ(head->query.at("kind"), "disk");
  EXPECT_EQ(head->contentLength, 12);
  EXPECT_EQ(head->headers.at("x-twice"), "a, b");
  EXPECT_EQ(head->headers.at("authorization"), "Bearer t");
  EXPECT_TRUE(head->keepAlive);
  EXPECT_FALSE(head->expectContinue);
}

TEST(RequestHeadTest, KeepAliveFollowsVersionAndConnectionAndExpectContinueIsSeen) {
  EXPECT_FALSE(parse("GET / HTTP/1.0\r\n\r\n")->keepAlive);
  EXPECT_TRUE(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")->keepAlive);
  EXPECT_FALSE(parse("GET / HTTP/1.1\r\nConnection: foo, Close\r\n\r\n")->keepAlive);
  EXPECT_TRUE(parse("PUT / HTTP/1.1\r\nExpect: 100-Continue\r\n\r\n")->expectContinue);
}

TEST(RequestHeadTest, AmbiguousFramingIsRefusedWithItsOwnCode) {
  EXPECT_EQ(codeOf("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n"),
            "content_length_conflict");
  EXPECT_EQ(codeOf("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-length: 2\r\n\r\n"),
            "content_length_conflict");
  EXPECT_EQ(codeOf("POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"),
            "framing_conflict");
  EXPECT_EQ(codeOf("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"),
            "transfer_encoding_unsupported");
  for (std::string length :
       {"-1", "+1", "1.0", "0x10", "1 1", "1,1", "", "abc", "1234567890123456789"}) {
    EXPECT_EQ(codeOf("POST / HTTP/1.1\r\nContent-Length: " + length + "\r\n\r\n"),
              "content_length_invalid")
        << length;
  }
  EXPECT_EQ(codeOf("GET / HTTP/1.1\r\nAuthorization: a\r\nAuthorization: b\r\n\r\n"),
            "header_duplicate");
}

TEST(RequestHeadTest, MalformedLinesAreRefused) {
  EXPECT_EQ(codeOf("GET / HTTP/2.0\r\n\r\n"), "http_version_unsupported");
  EXPECT_EQ(codeOf("GET /a b HTTP/1.1\r\n\r\n"), "request_target_invalid");
  EXPECT_EQ(codeOf("GET http://x/ HTTP/1.1\r\n\r\n"), "request_target_invalid");
  EXPECT_EQ(codeOf("G(T / HTTP/1.1\r\n\r\n"), "request_line_invalid");
  EXPECT_EQ(codeOf("GET /\r\n\r\n"), "request_line_invalid");
  EXPECT_EQ(codeOf("GET / HTTP/1.1\r\nNo colon\r\n\r\n"), "header_invalid");
  EXPECT_EQ(codeOf("GET / HTTP/1.1\r\nName : v\r\n\r\n"), "header_invalid");
  EXPECT_EQ(codeOf("GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n"), "header_invalid");
  EXPECT_EQ(codeOf("GET / HTTP/1.1\r\nA: b\nC: d\r\n\r\n"), "header_invalid");
  EXPECT_EQ(codeOf(std::string("GET / HTTP/1.1\r\nA: b\0c\r\n\r\n", 26)), "header_invalid");
  EXPECT_EQ(codeOf("GET /?a=%zz HTTP/1.1\r\n\r\n"), "query_invalid");
}

TEST(RequestHeadTest, LimitsOnHeaderBytesAndCountAreHeadersTooLarge) {
  HeadLimits limits{64, 2};
  auto big = parse("GET / HTTP/1.1\r\nX: " + std::string(80, 'a') + "\r\n\r\n", limits);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().kind, ErrorKind::HeadersTooLarge);
  auto many = parse("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits);
  ASSERT_FALSE(many);
  EXPECT_EQ(many.error().code, "headers_too_large");
  EXPECT_TRUE(parse("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n", limits));
}

TEST(RequestHeadTest, HeadLengthFindsTheBlankLine) {
  EXPECT_EQ(headLength("GET / HTTP/1.1\r\n\r\nbody"), 18u);
  EXPECT_EQ(headLength("GET / HTTP/1.1\r\nA: b\r\n"), 0u);
}

}  // namespace
}  // namespace stele::api
