#include <gtest/gtest.h>

#include "malformed_inputs.h"
#include "web/http_request_parser.h"

namespace stele::services::web {
namespace {

TEST(HttpMalformedCorpus, EveryRequestIsAnErrorNeverComplete) {
  for (const std::string& text : stele::services::testing::malformedHttpRequests()) {
    ParseResult r = parseHttpRequest(text);
    EXPECT_EQ(r.status, ParseStatus::Error) << text;
    EXPECT_GE(r.errorStatus, 400) << text;
  }
}

TEST(HttpMalformedCorpus, EveryPrefixOfAValidRequestIsIncomplete) {
  std::string text = "GET /index.html HTTP/1.1\r\nHost: w\r\nContent-Length: 4\r\n\r\nbody";
  for (std::size_t n = 0; n < text.size(); ++n)
    EXPECT_NE(parseHttpRequest(text.substr(0, n)).status, ParseStatus::Complete) << n;
}

}  // namespace
}  // namespace stele::services::web
