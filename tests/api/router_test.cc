#include "api/router.h"

#include "tests/support/value_of.h"

using stele::testing::valueOf;

#include <gtest/gtest.h>

namespace stele::api {
namespace {

Router sampleRouter() {
  Router router;
  auto ok = [](const RouteContext&) -> Result<HttpResponse> { return emptyResponse(204); };
  router.add({"GET", "/v1/images", Permission::Read, std::nullopt, 0, ok});
  router.add(
      {"GET", "/v1/images/{name}/versions/{version}", Permission::Read, std::nullopt, 0, ok});
  router.add({"PUT", "/v1/images/{name}/versions/{version}", Permission::PushImage, "name", 0, ok});
  return router;
}

TEST(Router, MatchesPatternsAndDecodesParameters) {
  Router router = sampleRouter();
  auto m = router.match("GET", "/v1/images/web/versions/1.0.0%2Bbuild.1");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->params.at("name"), "web");
  EXPECT_EQ(m->params.at("version"), "1.0.0+build.1");
  EXPECT_EQ(valueOf(router.match("PUT", "/v1/images/web/versions/1.0.0")).route->permission,
            Permission::PushImage);
}

TEST(Router, DistinguishesUnknownPathsFromWrongMethods) {
  Router router = sampleRouter();
  EXPECT_EQ(router.match("GET", "/v1/nothing").error().kind, ErrorKind::NotFound);
  EXPECT_EQ(router.match("DELETE", "/v1/images").error().kind, ErrorKind::MethodNotAllowed);
  EXPECT_EQ(router.match("GET", "").error().kind, ErrorKind::NotFound);
  EXPECT_EQ(router.match("GET", "v1/images").error().kind, ErrorKind::NotFound);
}

TEST(Router, EmptyExtraOrBrokenSegmentsNeverMatch) {
  Router router = sampleRouter();
  for (const char* path :
       {"/v1/images//versions/1.0.0", "/v1/images/a//b/versions/1",
        "/v1/images/../x/versions/1.0.0", "/v1/images/", "/v1/images/web/versions/%",
        "/v1/images/web/versions/%zz", "/v1/images/web/versions/a%00b"}) {
    EXPECT_FALSE(router.match("GET", path).has_value()) << path;
  }
}

}  // namespace
}  // namespace stele::api
