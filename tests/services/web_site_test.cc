#include "web/web_site.h"

#include <gtest/gtest.h>

namespace stele::services::web {
namespace {

HttpResponse respondTo(const WebSite& site, const std::string& text) {
  ParseResult parsed = parseHttpRequest(text);
  EXPECT_EQ(parsed.status, ParseStatus::Complete) << text;
  return site.respond(parsed.request);
}

TEST(WebSite, IndexNamesInstanceAndVersion) {
  WebSite site(ApplianceIdentity{"web-7", "1.4.2"});
  HttpResponse r = respondTo(site, "GET / HTTP/1.1\r\nHost: w\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("web-7"), std::string::npos);
  EXPECT_NE(r.body.find("1.4.2"), std::string::npos);
  EXPECT_EQ(r.contentType, "text/html; charset=utf-8");
}

TEST(WebSite, HealthzIs200AndUnknownPathIs404) {
  WebSite site(ApplianceIdentity{});
  EXPECT_EQ(respondTo(site, "GET /healthz HTTP/1.1\r\nHost: w\r\n\r\n").status, 200);
  EXPECT_EQ(respondTo(site, "GET /nope HTTP/1.1\r\nHost: w\r\n\r\n").status, 404);
}

TEST(WebSite, HeadHasNoBodyButTheSameLength) {
  WebSite site(ApplianceIdentity{});
  HttpResponse r = respondTo(site, "HEAD / HTTP/1.1\r\nHost: w\r\n\r\n");
  EXPECT_TRUE(r.omitBody);
  std::string bytes;
  serializeResponse(r, "Thu, 01 Jan 1970 00:00:00 GMT", bytes);
  EXPECT_NE(bytes.find("Content-Length: " + std::to_string(site.indexPage().size())),
            std::string::npos);
  EXPECT_TRUE(bytes.ends_with("\r\n\r\n"));
}

TEST(WebSite, KnownMethodsGet405WithAllowOthers501) {
  WebSite site(ApplianceIdentity{});
  HttpResponse post = respondTo(site, "POST / HTTP/1.1\r\nHost: w\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(post.status, 405);
  std::string bytes;
  serializeResponse(post, "x", bytes);
  EXPECT_NE(bytes.find("Allow: GET, HEAD\r\n"), std::string::npos);
  EXPECT_EQ(respondTo(site, "BREW / HTTP/1.1\r\nHost: w\r\n\r\n").status, 501);
}

TEST(WebSite, EscapesHtml) { EXPECT_EQ(escapeHtml("<a&'\">"), "&lt;a&amp;&#39;&quot;&gt;"); }

TEST(HttpResponse, FormatsImfFixdate) {
  EXPECT_EQ(httpDate(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
}

}  // namespace
}  // namespace stele::services::web
