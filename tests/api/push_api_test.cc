// Manifest pushes against a real `stele server`: every check in its documented order.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "common/encoding.h"
#include "common/sha256.h"
#include "common/time_format.h"
#include "tests/support/registry_client.h"
#include "tests/support/server_process.h"

namespace stele::testing {
namespace {

class PushApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(addKey(admin_, key_, "*"), 201);
    kernel_ = "kernel bytes for the push tests";
    digest_ = uploadBlob(admin_, kernel_);
  }

  std::string manifest(const std::string& name = "web", const std::string& version = "1.0.0") {
    return manifestFor(name, version, digest_, static_cast<std::int64_t>(kernel_.size()));
  }

  // Pushes and returns {status, error code}.
  std::pair<int, std::string> push(const std::string& name, const std::string& version,
                                   const std::string& envelope) {
    auto r = putManifest(admin_, name, version, envelope);
    return {r.status, errorCode(r)};
  }

  ServerProcess server_;
  cli::HttpClient admin_ = server_.admin();
  TestKey key_ = makeKey();
  std::string kernel_;
  std::string digest_;
};

TEST_F(PushApiTest, SignedManifestIsStoredListedAndVerifiable) {
  auto r = putManifest(admin_, "web", "1.0.0", envelopeFor(manifest(), {&key_}));
  ASSERT_EQ(r.status, 201) << r.body;
  auto version = admin_.request("GET", "/v1/images/web/versions/1.0.0");
  ASSERT_TRUE(version) << version.error().message;
  ASSERT_EQ(version->status, 200);
  auto j = jsonOf(*version);
  EXPECT_EQ(j["signers"][0], key_.id);
  EXPECT_EQ(j["size"], kernel_.size());
  EXPECT_EQ(j["annotations"]["commit"], "0123abc");
  auto raw = admin_.request("GET", "/v1/images/web/versions/1.0.0/manifest");
  ASSERT_TRUE(raw) << raw.error().message;
  EXPECT_EQ(raw->body, manifest());
  EXPECT_EQ(raw->header("stele-manifest-digest"), digestString(sha256(manifest())));
  auto image = jsonOf(answerOf(admin_.request("GET", "/v1/images/web")));
  EXPECT_EQ(image["versions"][0]["version"], "1.0.0");
  EXPECT_EQ(answerOf(admin_.request("GET", "/v1/images/dns")).status, 404);
  auto list = admin_.request("GET", "/v1/images");
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ(jsonOf(*list)["items"][0]["latestVersion"], "1.0.0");
  auto verify = admin_.request("POST", "/v1/images/web/versions/1.0.0/verify");
  ASSERT_TRUE(verify) << verify.error().message;
  EXPECT_EQ(jsonOf(*verify)["ok"], true);
}

TEST_F(PushApiTest, UnsignedManifestIsRefused) {
  images::Envelope e{std::string(images::kManifestPayloadType), manifest(), {}};
  EXPECT_EQ(push("web", "1.0.0", images::serializeEnvelope(e)),
            std::make_pair(422, std::string("unsigned")));
  EXPECT_EQ(push("web", "1.0.0", manifest()).first, 400) << "a bare manifest is no envelope";
}

TEST_F(PushApiTest, SignaturesByUntrustedKeysAreRefused) {
  TestKey unknown = makeKey();
  EXPECT_EQ(push("web", "1.0.0", envelopeFor(manifest(), {&unknown})).second, "key_unknown");

  TestKey revoked = makeKey();
  ASSERT_EQ(addKey(admin_, revoked), 201);
  ASSERT_EQ(answerOf(admin_.request("POST", "/v1/keys/" + revoked.id + "/revoke")).status, 200);
  EXPECT_EQ(push("web", "1.0.0", envelopeFor(manifest(), {&revoked})).second, "key_revoked");

  TestKey retired = makeKey();
  ASSERT_EQ(addKey(admin_, retired), 201);
  ASSERT_EQ(answerOf(admin_.request("POST", "/v1/keys/" + retired.id + "/retire")).status, 200);
  EXPECT_EQ(push("web", "1.0.0", envelopeFor(manifest(), {&retired})).second, "key_retired");

  TestKey expired = makeKey();
  ASSERT_EQ(addKey(admin_, expired, "*", "2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z"), 201);
  EXPECT_EQ(push("web", "1.0.0", envelopeFor(manifest(), {&expired})).second, "key_expired");

  TestKey future = makeKey();
  ASSERT_EQ(addKey(admin_, future, "*", "2099-01-01T00:00:00Z"), 201);
  EXPECT_EQ(push("web", "1.0.0", envelopeFor(manifest(), {&future})).second, "key_not_yet_valid");

  TestKey dnsOnly = makeKey();
  ASSERT_EQ(addKey(admin_, dnsOnly, "dns*"), 201);
  EXPECT_EQ(push("web", "1.0.0", envelopeFor(manifest(), {&dnsOnly})).second, "key_not_allowed");

  EXPECT_EQ(answerOf(admin_.request("GET", "/v1/images/web/versions/1.0.0")).status, 404)
      << "nothing was stored by any refused push";
}

TEST_F(PushApiTest, RetiredKeyKeepsItsOldVersionsButSignsNoNewOnes) {
  ASSERT_EQ(push("web", "1.0.0", envelopeFor(manifest(), {&key_})).first, 201);
  ASSERT_EQ(answerOf(admin_.request("POST", "/v1/keys/" + key_.id + "/retire")).status, 200);
  EXPECT_EQ(jsonOf(answerOf(admin_.request("POST", "/v1/images/web/versions/1.0.0/verify")))["ok"],
            true);
  EXPECT_EQ(push("web", "1.0.1", envelopeFor(manifest("web", "1.0.1"), {&key_})).second,
            "key_retired");
  ASSERT_EQ(answerOf(admin_.request("POST", "/v1/keys/" + key_.id + "/revoke")).status, 200);
  auto report = jsonOf(answerOf(admin_.request("POST", "/v1/images/web/versions/1.0.0/verify")));
  EXPECT_EQ(report["ok"], false);
  EXPECT_EQ(report["signatures"][0]["status"], "key_revoked");
}

TEST_F(PushApiTest, ValidSignatureOverOtherBytesIsRefused) {
  images::Envelope e{std::string(images::kManifestPayloadType), manifest(), {}};
  auto other = images::parseEnvelope(envelopeFor(manifest("web", "1.0.1"), {&key_}));
  e.signatures = other->signatures;
  EXPECT_EQ(push("web", "1.0.0", images::serializeEnvelope(e)).second, "signature_invalid");
}

TEST_F(PushApiTest, SignatureForAnotherPayloadTypeCannotBeReplayed) {
  std::string forOtherType = envelopeFor(manifest(), {&key_}, "application/vnd.other+json");
  EXPECT_EQ(push("web", "1.0.0", forOtherType).second, "payload_type_invalid");
  auto replay = images::parseEnvelope(forOtherType);
  replay->payloadType = std::string(images::kManifestPayloadType);
  EXPECT_EQ(push("web", "1.0.0", images::serializeEnvelope(*replay)).second, "signature_invalid");
}

TEST_F(PushApiTest, MalformedOrShortSignaturesAreRefused) {
  auto e = *images::parseEnvelope(envelopeFor(manifest(), {&key_}));
  e.signatures[0].signature.resize(63);
  EXPECT_EQ(push("web", "1.0.0", images::serializeEnvelope(e)).second, "signature_malformed");
  std::string garbled = envelopeFor(manifest(), {&key_});
  garbled.replace(garbled.find("\"sig\":\"") + 7, 4, "!!!!");
  EXPECT_EQ(push("web", "1.0.0", garbled).second, "signature_malformed");
}

TEST_F(PushApiTest, ManifestProblemsAreReportedWithTheField) {
  std::string missing = manifestFor("web", "1.0.0", "sha256:" + std::string(64, 'b'), 10);
  auto r = putManifest(admin_, "web", "1.0.0", envelopeFor(missing, {&key_}));
  EXPECT_EQ(errorCode(r), "blob_missing");
  EXPECT_NE(r.body.find("manifest.blobs.kernel"), std::string::npos);

  std::string wrongSize = manifestFor("web", "1.0.0", digest_, 5);
  EXPECT_EQ(push("web", "1.0.0", envelopeFor(wrongSize, {&key_})).second, "blob_size_mismatch");

  std::string duplicate = manifest();
  duplicate.insert(1, "\"name\":\"dns\",");
  EXPECT_EQ(push("web", "1.0.0", envelopeFor(duplicate, {&key_})).second, "invalid_json");

  std::string badUtf8 = manifest();
  badUtf8.replace(badUtf8.find("0123abc"), 7, "\xc3\x28xxxxx");
  EXPECT_EQ(push("web", "1.0.0", envelopeFor(badUtf8, {&key_})).second, "invalid_utf8");
}

TEST_F(PushApiTest, UrlMustNameTheManifestsNameAndVersion) {
  EXPECT_EQ(push("web", "1.0.1", envelopeFor(manifest(), {&key_})).second, "name_mismatch");
  EXPECT_EQ(push("dns", "1.0.0", envelopeFor(manifest(), {&key_})).second, "name_mismatch");
}

TEST_F(PushApiTest, HostileNamesAreRefusedBeforeAnythingElse) {
  std::string env = envelopeFor(manifest(), {&key_});
  for (const std::string& name :
       {std::string("..%2Fx"), std::string("%2Fx"), std::string("a%2F%2Fb"), std::string(200, 'a'),
        std::string("caf%C3%A9"), std::string("WEB")}) {
    auto [status, code] = push(name, "1.0.0", env);
    EXPECT_EQ(status, 400) << name;
    EXPECT_EQ(code, "name_invalid") << name;
  }
  for (const std::string& path :
       {std::string("/v1/images/../x/versions/1.0.0"), std::string("/v1/images//versions/1.0.0"),
        std::string("/v1/images/a//b/versions/1.0.0")}) {
    auto r = admin_.request("PUT", path, env);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->status, 404) << path;
    EXPECT_EQ(errorCode(*r), "not_found") << path;
  }
  EXPECT_EQ(push("web", "latest", env).second, "version_invalid");
}

TEST_F(PushApiTest, VersionsAreImmutable) {
  EXPECT_EQ(push("web", "1.0.0", envelopeFor(manifest(), {&key_})).first, 201);
  auto same = putManifest(admin_, "web", "1.0.0", envelopeFor(manifest(), {&key_}));
  EXPECT_EQ(same.status, 200);
  EXPECT_EQ(jsonOf(same)["created"], false);
  std::string other = manifestFor("web", "1.0.0", digest_,
                                  static_cast<std::int64_t>(kernel_.size()), "console=ttyS0 quiet");
  EXPECT_EQ(push("web", "1.0.0", envelopeFor(other, {&key_})),
            std::make_pair(409, std::string("version_exists")));
  ASSERT_EQ(answerOf(admin_.request("DELETE", "/v1/images/web/versions/1.0.0")).status, 204);
  EXPECT_EQ(push("web", "1.0.0", envelopeFor(manifest(), {&key_})).second, "version_deleted");
}

TEST_F(PushApiTest, ConcurrentPushesOfOneVersionWithDifferentBytesHaveExactlyOneWinner) {
  constexpr int kPushers = 6;
  std::vector<std::string> envelopes;
  for (int i = 0; i < kPushers; ++i) {
    std::string m = manifestFor("web", "2.0.0", digest_, static_cast<std::int64_t>(kernel_.size()),
                                "console=ttyS0 variant=" + std::to_string(i));
    envelopes.push_back(envelopeFor(m, {&key_}));
  }
  std::vector<int> statuses(kPushers);
  std::vector<std::thread> threads;
  threads.reserve(kPushers);
  for (int i = 0; i < kPushers; ++i) {
    threads.emplace_back([&, i] {
      cli::HttpClient c = server_.admin();
      statuses[i] =
          answerOf(c.request("PUT", "/v1/images/web/versions/2.0.0", envelopes[i])).status;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 201), 1);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 409), kPushers - 1);
}

TEST_F(PushApiTest, VerifyReportsExactlyTheBlobTamperedOnDisk) {
  std::string initrd = "initrd bytes";
  std::string initrdDigest = uploadBlob(admin_, initrd, "initrd");
  images::Manifest m = *images::parseManifest(manifest());
  m.blobs.push_back({"initrd", initrdDigest, static_cast<std::int64_t>(initrd.size())});
  std::sort(m.blobs.begin(), m.blobs.end(), [](auto& a, auto& b) { return a.role < b.role; });
  ASSERT_EQ(push("web", "1.0.0", envelopeFor(images::serializeManifest(m), {&key_})).first, 201);
  std::string hex = digest_.substr(7);
  std::string path = server_.dataDir() + "/blobs/sha256/" + hex.substr(0, 2) + "/" + hex;
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(5);
    char c = static_cast<char>(f.get());
    f.seekp(5);
    f.put(static_cast<char>(c ^ 0x01));
  }
  auto report = jsonOf(answerOf(admin_.request("POST", "/v1/images/web/versions/1.0.0/verify")));
  EXPECT_EQ(report["ok"], false);
  EXPECT_EQ(report["trusted"], true);
  int corrupt = 0;
  for (const auto& b : report["blobs"]) {
    if (b["status"] == "corrupt") {
      ++corrupt;
      EXPECT_EQ(b["digest"], digest_);
      EXPECT_EQ(b["role"], "kernel");
    } else {
      EXPECT_EQ(b["status"], "ok");
    }
  }
  EXPECT_EQ(corrupt, 1);
}

TEST_F(PushApiTest, OversizedManifestBodyIsRefusedWith413) {
  std::string huge = "{\"payloadType\":\"" + std::string(2 << 20, 'x') + "\"}";
  auto [status, code] = push("web", "1.0.0", huge);
  EXPECT_EQ(status, 413);
  EXPECT_EQ(code, "body_too_large");
}

}  // namespace
}  // namespace stele::testing
