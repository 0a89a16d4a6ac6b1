// Tokens, roles and the error shape, against a real `stele server`.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/support/registry_client.h"
#include "tests/support/server_process.h"

namespace stele::testing {
namespace {

class AuthApiTest : public ::testing::Test {
 protected:
  ServerProcess server_;
  cli::HttpClient admin_ = server_.admin();
};

TEST_F(AuthApiTest, FirstStartWritesTheAdminTokenPrivately) {
  struct stat st {};
  ASSERT_EQ(::stat((server_.dataDir() + "/admin.token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(server_.logText().find(server_.adminToken()), std::string::npos)
      << "the token never appears in the log";
  auto whoami = admin_.request("GET", "/v1/whoami");
  ASSERT_TRUE(whoami) << whoami.error().message;
  EXPECT_EQ(jsonOf(*whoami)["role"], "admin");
  server_.stop();
  server_.start();
  EXPECT_EQ(answerOf(server_.admin().request("GET", "/v1/whoami")).status, 200)
      << "same token after restart";
}

TEST_F(AuthApiTest, MissingMalformedUnknownAndRevokedTokensGet401) {
  std::vector<std::string> bad = {"", "garbage", "stele_" + std::string(48, '0')};
  for (const auto& token : bad) {
    cli::HttpClient c = server_.client(token);
    auto r = c.request("GET", "/v1/images");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->status, 401) << token;
    EXPECT_EQ(errorCode(*r), "unauthenticated");
    EXPECT_EQ(r->header("www-authenticate"), "Bearer realm=\"stele\"");
  }
  auto raw = rawExchange(server_.port(),
                         "GET /v1/images HTTP/1.1\r\nHost: x\r\nAuthorization: Basic YTpi\r\n"
                         "Content-Length: 0\r\n\r\n");
  EXPECT_NE(raw.find(" 401 "), std::string::npos);
  std::string viewer = createToken(admin_, "viewer");
  auto list = jsonOf(answerOf(admin_.request("GET", "/v1/tokens")));
  std::string id = list["items"].back()["id"];
  EXPECT_EQ(list.dump().find(viewer), std::string::npos) << "secrets are never listed";
  EXPECT_EQ(answerOf(admin_.request("DELETE", "/v1/tokens/" + id)).status, 204);
  EXPECT_EQ(answerOf(server_.client(viewer).request("GET", "/v1/images")).status, 401);
}

TEST_F(AuthApiTest, RolesGetOnlyTheirPermissions) {
  cli::HttpClient pusher = server_.client(createToken(admin_, "pusher"));
  cli::HttpClient viewer = server_.client(createToken(admin_, "viewer"));
  cli::HttpClient deployer = server_.client(createToken(admin_, "deployer"));
  std::string keyBody = R"({"publicKey":"x"})";
  for (cli::HttpClient* c : {&pusher, &viewer, &deployer}) {
    auto r = c->request("POST", "/v1/keys", keyBody);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->status, 403);
    EXPECT_EQ(errorCode(*r), "forbidden");
    EXPECT_EQ(answerOf(c->request("POST", "/v1/tokens", R"({"role":"admin"})")).status, 403);
    EXPECT_EQ(answerOf(c->request("GET", "/v1/tokens")).status, 403);
    EXPECT_EQ(answerOf(c->request("DELETE", "/v1/images/web/versions/1.0.0")).status, 403);
    EXPECT_EQ(answerOf(c->request("GET", "/v1/images")).status, 200);
  }
  EXPECT_EQ(answerOf(viewer.request("POST", "/v1/blobs/uploads")).status, 403);
  EXPECT_EQ(answerOf(viewer.request("PUT", "/v1/images/web/versions/1.0.0", "{}")).status, 403);
  EXPECT_EQ(answerOf(deployer.request("POST", "/v1/blobs/uploads")).status, 403);
  EXPECT_EQ(answerOf(pusher.request("POST", "/v1/blobs/uploads")).status, 202);
}

TEST_F(AuthApiTest, APusherScopedToNamesCannotPushOtherNames) {
  TestKey key = makeKey();
  ASSERT_EQ(addKey(admin_, key), 201);
  cli::HttpClient pusher = server_.client(createToken(admin_, "pusher", "web*"));
  std::string digest = uploadBlob(pusher, "kernel");
  auto dns = putManifest(pusher, "dns", "1.0.0",
                         envelopeFor(manifestFor("dns", "1.0.0", digest, 6), {&key}));
  EXPECT_EQ(dns.status, 403);
  EXPECT_EQ(errorCode(dns), "name_not_allowed");
  auto web = putManifest(pusher, "web-edge", "1.0.0",
                         envelopeFor(manifestFor("web-edge", "1.0.0", digest, 6), {&key}));
  EXPECT_EQ(web.status, 201) << web.body;
}

TEST_F(AuthApiTest, ErrorsAlwaysUseTheJsonShape) {
  auto notFound = admin_.request("GET", "/v1/nothing");
  ASSERT_TRUE(notFound) << notFound.error().message;
  EXPECT_EQ(notFound->status, 404);
  EXPECT_EQ(errorCode(*notFound), "not_found");
  auto wrongMethod = admin_.request("DELETE", "/v1/images");
  ASSERT_TRUE(wrongMethod) << wrongMethod.error().message;
  EXPECT_EQ(wrongMethod->status, 405);
  EXPECT_EQ(errorCode(*wrongMethod), "method_not_allowed");
  auto badJson = admin_.request("POST", "/v1/tokens", "{not json");
  ASSERT_TRUE(badJson) << badJson.error().message;
  EXPECT_EQ(badJson->status, 400);
  EXPECT_EQ(errorCode(*badJson), "invalid_json");
  auto unknownField = admin_.request("POST", "/v1/tokens", R"({"role":"viewer","admin":true})");
  ASSERT_TRUE(unknownField) << unknownField.error().message;
  EXPECT_EQ(errorCode(*unknownField), "unknown_field");
  EXPECT_NE(jsonOf(*unknownField)["error"]["message"].get<std::string>().find("admin"),
            std::string::npos);
  auto badRole = admin_.request("POST", "/v1/tokens", R"({"role":"root"})");
  ASSERT_TRUE(badRole) << badRole.error().message;
  EXPECT_EQ(errorCode(*badRole), "role_invalid");
  auto badKey = admin_.request("POST", "/v1/keys", R"({"publicKey":"-----BEGIN PUBLIC KEY-----"})");
  ASSERT_TRUE(badKey) << badKey.error().message;
  EXPECT_EQ(badKey->status, 400);
  EXPECT_EQ(errorCode(*badKey), "key_invalid");
  auto badTime = admin_.request("POST", "/v1/keys", R"({"publicKey":"x","notAfter":"tomorrow"})");
  ASSERT_TRUE(badTime) << badTime.error().message;
  EXPECT_NE(jsonOf(*badTime)["error"]["message"].get<std::string>().find("notAfter"),
            std::string::npos);
  EXPECT_EQ(answerOf(server_.client("").request("GET", "/healthz")).status, 200)
      << "health needs no token";
}

TEST_F(AuthApiTest, MetricsCountRequestsByStatus) {
  (void)admin_.request("GET", "/v1/nothing");
  auto metrics = admin_.request("GET", "/metrics");
  ASSERT_TRUE(metrics) << metrics.error().message;
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->body.find("stele_http_requests_total{code=\"404\"} 1"), std::string::npos)
      << metrics->body;
  EXPECT_EQ(answerOf(server_.client("").request("GET", "/metrics")).status, 401);
}

TEST_F(AuthApiTest, AddingTheSameKeyTwiceIsIdempotentAndOtherTermsConflict) {
  TestKey key = makeKey();
  EXPECT_EQ(addKey(admin_, key, "web"), 201);
  EXPECT_EQ(addKey(admin_, key, "web"), 200);
  EXPECT_EQ(addKey(admin_, key, "dns"), 409);
  auto one = jsonOf(answerOf(admin_.request("GET", "/v1/keys/" + key.id)));
  EXPECT_EQ(one["names"][0], "web");
  EXPECT_EQ(one["state"], "active");
  EXPECT_EQ(answerOf(admin_.request("POST", "/v1/keys/" + std::string(64, 'f') + "/revoke")).status,
            404);
}

}  // namespace
}  // namespace stele::testing
