#include "images/manifest.h"

#include "tests/support/value_of.h"

using stele::testing::valueOf;

#include <gtest/gtest.h>

namespace stele::images {
namespace {

const std::string kDigest = "sha256:" + std::string(64, 'a');

std::string validManifest() {
  return R"({"schemaVersion":1,"name":"web","version":"1.0.0",)"
         R"("boot":{"kind":"kernel","cmdline":"console=ttyS0"},)"
         R"("blobs":{"kernel":{"digest":")" +
         kDigest +
         R"(","size":100}},)"
         R"("resources":{"vcpus":1,"memoryMiB":32},)"
         R"("config":[{"key":"address","required":true,"description":"IPv4/prefix"}],)"
         R"("annotations":{"commit":"abc123","pipeline":"ci#7"}})";
}

// Replaces the first occurrence of `from` in the valid manifest.
std::string mutated(const std::string& from, const std::string& to) {
  std::string m = validManifest();
  auto at = m.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return m.replace(at, from.size(), to);
}

TEST(Manifest, ParsesEveryField) {
  auto m = parseManifest(validManifest());
  ASSERT_TRUE(m.has_value()) << m.error().message;
  EXPECT_EQ(m->name, "web");
  EXPECT_EQ(m->version, "1.0.0");
  EXPECT_EQ(m->bootKind, "kernel");
  EXPECT_EQ(m->cmdline, "console=ttyS0");
  ASSERT_NE(m->blob("kernel"), nullptr);
  EXPECT_EQ(valueOf(m->blob("kernel")).size, 100);
  EXPECT_EQ(m->memoryMiB, 32);
  ASSERT_EQ(m->config.size(), 1u);
  EXPECT_TRUE(m->config[0].required);
  EXPECT_EQ(m->annotations.at("pipeline"), "ci#7");
}

TEST(Manifest, SerializeThenParseGivesTheSameManifest) {
  auto m = parseManifest(validManifest());
  ASSERT_TRUE(m.has_value());
  auto again = parseManifest(serializeManifest(*m));
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(serializeManifest(*again), serializeManifest(*m));
}

struct BadCase {
  std::string manifest;
  std::string fieldInMessage;
};

TEST(Manifest, RejectsInvalidDocumentsNamingTheField) {
  std::vector<BadCase> cases = {
      {mutated(R"("name":"web")", R"("name":"web","name":"dns")"), "duplicate key"},
      {mutated(R"("schemaVersion":1)", R"("schemaVersion":2)"), "manifest.schemaVersion"},
      {mutated(R"("name":"web")", R"("name":"../web")"), "manifest.name"},
      {mutated(R"("version":"1.0.0")", R"("version":"1.0")"), "manifest.version"},
      {mutated(R"("kind":"kernel")", R"("kind":"pxe")"), "manifest.boot.kind"},
      {mutated(R"("size":100)", R"("size":-1)"), "manifest.blobs.kernel.size"},
      {mutated(R"("size":100)", R"("size":1.5)"), "manifest.blobs.kernel.size"},
      {mutated(R"("size":100)", R"("size":"100")"), "manifest.blobs.kernel.size"},
      {mutated(kDigest, "sha256:xyz"), "manifest.blobs.kernel.digest"},
      {mutated(R"("blobs":{"kernel")", R"("blobs":{"kernal")"), "manifest.blobs.kernal"},
      {mutated(R"("vcpus":1)", R"("vcpus":0)"), "manifest.resources.vcpus"},
      {mutated(R"("cmdline":"console=ttyS0")", R"("cmdline":"a\nb")"), "manifest.boot.cmdline"},
      {mutated(R"("schemaVersion":1,)", R"("schemaVersion":1,"extra":true,)"), "manifest.extra"},
      {mutated(R"("key":"address")", R"("key":"Address!")"), "manifest.config[0].key"},
      {mutated(R"("commit":"abc123")", R"("commit":42)"), "manifest.annotations.commit"},
      {"[]", "manifest"},
      {"{", "not valid JSON"},
      {validManifest() + "x", "not valid JSON"},
      {"{\"name\":\"caf\xc3\"}", "UTF-8"},
  };
  for (const auto& c : cases) {
    auto m = parseManifest(c.manifest);
    ASSERT_FALSE(m.has_value()) << c.manifest;
    EXPECT_NE(m.error().message.find(c.fieldInMessage), std::string::npos)
        << "message \"" << m.error().message << "\" should name " << c.fieldInMessage;
  }
}

TEST(Manifest, KernelBootNeedsAKernelBlob) {
  auto m = parseManifest(mutated(R"("blobs":{"kernel")", R"("blobs":{"disk")"));
  ASSERT_FALSE(m.has_value());
  EXPECT_NE(m.error().message.find("manifest.blobs.kernel"), std::string::npos);
}

TEST(Manifest, RefusesHugeDocuments) {
  std::string huge = validManifest();
  huge.insert(huge.size() - 2, std::string(70000, ' '));
  auto m = parseManifest(huge);
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().kind, ErrorKind::TooLarge);
}

TEST(Manifest, RefusesDeepNesting) {
  std::string deep =
      mutated(R"("commit":"abc123")", R"("commit":)" + std::string(40, '[') + std::string(40, ']'));
  EXPECT_FALSE(parseManifest(deep).has_value());
}

}  // namespace
}  // namespace stele::images
