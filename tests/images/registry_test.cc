// The registry over a real SQLite file and blob directory (no HTTP).
#include "images/registry.h"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "common/sha256.h"
#include "images/trust_store.h"
#include "store/database.h"
#include "tests/support/signing.h"
#include "tests/support/temp_dir.h"
#include "tests/support/value_of.h"

using stele::testing::valueOf;

namespace stele::images {
namespace {

using testing::envelopeFor;
using testing::manifestFor;

class FixedRandom final : public Random {
 public:
  std::string hexBytes(std::size_t count) override {
    std::string id = std::to_string(++n_);
    return std::string(count * 2 - id.size(), '0') + id;
  }
  std::uint64_t below(std::uint64_t) override { return 0; }

 private:
  int n_ = 0;
};

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(*store::Database::open(dir_.file("stele.db")));
    blobs_ = std::move(*store::BlobStore::open(dir_.path(), *db_, clock_, random_));
    images_ = std::make_unique<store::ImageRepository>(*db_);
    keys_ = std::make_unique<store::KeyRepository>(*db_);
    registry_ = std::make_unique<Registry>(*images_, *keys_, *blobs_, clock_, BlobLimits{});
    trust_ = std::make_unique<TrustStore>(*keys_, clock_);
    ASSERT_TRUE(trust_->add({key_.publicPem, {"*"}, {}, {}, ""}).has_value());
  }

  std::string storeBlob(const std::string& bytes) {
    auto upload = blobs_->startUpload("kernel", 1 << 20, "tester");
    EXPECT_TRUE(blobs_->append(upload->id, store::UploadCaller{"tester"}, 0, bytes).has_value());
    auto blob =
        blobs_->commit(upload->id, store::UploadCaller{"tester"}, digestString(sha256(bytes)));
    return blob->digest;
  }

  Result<PushResult> push(const std::string& version, const std::string& kernel = "kernel-bytes") {
    std::string digest = storeBlob(kernel);
    std::string manifest =
        manifestFor("web", version, digest, static_cast<std::int64_t>(kernel.size()));
    return registry_->pushManifest({"web", version, envelopeFor(manifest, {&key_}), "tok_test"});
  }

  testing::TempDir dir_;
  ManualClock clock_{1'800'000'000};
  FixedRandom random_;
  testing::TestKey key_ = testing::makeKey();
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<store::BlobStore> blobs_;
  std::unique_ptr<store::ImageRepository> images_;
  std::unique_ptr<store::KeyRepository> keys_;
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<TrustStore> trust_;
};

TEST_F(RegistryTest, SamePushTwiceIsANoOpAndOtherBytesConflict) {
  auto first = push("1.0.0");
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_TRUE(first->created);
  auto again = push("1.0.0");
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->manifestDigest, first->manifestDigest);
  auto other = push("1.0.0", "other-kernel");
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().kind, ErrorKind::Conflict);
  EXPECT_EQ(other.error().code, "version_exists");
}

TEST_F(RegistryTest, DeletedVersionIsATombstoneNeverReused) {
  ASSERT_TRUE(push("1.0.0").has_value());
  ASSERT_TRUE(registry_->deleteVersion("web", "1.0.0").has_value());
  EXPECT_EQ(registry_->getVersion("web", "1.0.0").error().kind, ErrorKind::NotFound);
  auto again = push("1.0.0");
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, "version_deleted");
}

TEST_F(RegistryTest, StoresTheManifestBytesVerbatim) {
  std::string digest = storeBlob("k");
  std::string manifest = "  " + manifestFor("web", "2.0.0", digest, 1) + "\n";
  ASSERT_TRUE(registry_->pushManifest({"web", "2.0.0", envelopeFor(manifest, {&key_}), "t"}));
  EXPECT_EQ(valueOf(registry_->getVersion("web", "2.0.0")).record.manifest, manifest);
}

TEST_F(RegistryTest, VerifyReportsExactlyTheTamperedBlob) {
  ASSERT_TRUE(push("1.0.0", "pristine kernel").has_value());
  std::string digest = digestString(sha256("pristine kernel"));
  {
    std::fstream f(blobs_->blobPath(digest), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(3);
    f.put('X');
  }
  auto report = registry_->verifyVersion("web", "1.0.0");
  ASSERT_TRUE(report.has_value());
  EXPECT_FALSE(report->ok());
  ASSERT_EQ(report->blobs.size(), 1u);
  EXPECT_EQ(report->blobs[0].status, "corrupt");
  EXPECT_EQ(report->blobs[0].digest, digest);
  EXPECT_EQ(registry_->checkDeployable("web", "1.0.0").error().code, "blob_corrupt");
}

TEST_F(RegistryTest, RevokingTheOnlySignerMakesTheVersionUndeployable) {
  ASSERT_TRUE(push("1.0.0").has_value());
  EXPECT_TRUE(registry_->checkDeployable("web", "1.0.0").has_value());
  ASSERT_TRUE(trust_->retire(key_.id).has_value());
  EXPECT_TRUE(registry_->checkDeployable("web", "1.0.0").has_value())
      << "retired keys keep old versions";
  ASSERT_TRUE(trust_->revoke(key_.id).has_value());
  auto gate = registry_->checkDeployable("web", "1.0.0");
  ASSERT_FALSE(gate.has_value());
  EXPECT_EQ(gate.error().code, "image_untrusted");
}

TEST_F(RegistryTest, ASecondValidSignerKeepsAVersionTrustedAfterOneIsRevoked) {
  testing::TestKey second = testing::makeKey();
  ASSERT_TRUE(trust_->add({second.publicPem, {"web"}, {}, {}, ""}).has_value());
  std::string digest = storeBlob("k2");
  std::string manifest = manifestFor("web", "3.0.0", digest, 2);
  ASSERT_TRUE(
      registry_->pushManifest({"web", "3.0.0", envelopeFor(manifest, {&key_, &second}), "t"}));
  ASSERT_TRUE(trust_->revoke(key_.id).has_value());
  EXPECT_TRUE(registry_->checkDeployable("web", "3.0.0").has_value());
}

TEST_F(RegistryTest, ConcurrentPushesOfOneVersionWithDifferentBytesHaveExactlyOneWinner) {
  std::vector<std::string> envelopes;
  for (int i = 0; i < 8; ++i) {
    std::string kernel = "kernel-" + std::to_string(i);
    std::string digest = storeBlob(kernel);
    envelopes.push_back(envelopeFor(manifestFor("web", "9.9.9", digest, 8), {&key_}));
  }
  std::atomic<int> wins{0}, conflicts{0};
  std::vector<std::thread> threads;
  threads.reserve(envelopes.size());
  for (const auto& e : envelopes) {
    threads.emplace_back([&, e] {
      auto r = registry_->pushManifest({"web", "9.9.9", e, "t"});
      if (r && r->created) wins++;
      if (!r && r.error().kind == ErrorKind::Conflict) conflicts++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(conflicts.load(), 7);
}

}  // namespace
}  // namespace stele::images
