#include "store/blob_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/sha256.h"
#include "tests/support/temp_dir.h"
#include "tests/support/value_of.h"

using stele::testing::valueOf;

namespace stele::store {
namespace {

class BlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { reopen(); }
  void reopen() {
    blobs_.reset();
    db_.reset();
    db_ = std::move(*Database::open(dir_.file("s.db")));
    auto opened = BlobStore::open(dir_.path(), *db_, clock_, random_);
    ASSERT_TRUE(opened.has_value()) << opened.error().message;
    blobs_ = std::move(*opened);
  }
  std::size_t uploadFiles() const {
    std::size_t n = 0;
    for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir_.file("uploads"))) ++n;
    return n;
  }

  testing::TempDir dir_;
  ManualClock clock_{1'800'000'000};
  SystemRandom random_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<BlobStore> blobs_;
};

TEST_F(BlobStoreTest, ChunksInOrderCommitToTheContentAddress) {
  auto up = blobs_->startUpload("kernel", 100);
  ASSERT_TRUE(blobs_->append(up->id, 0, "hello ").has_value());
  auto status = blobs_->append(up->id, 6, "world");
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->offset, 11);
  std::string digest = digestString(sha256("hello world"));
  auto blob = blobs_->commit(up->id, digest);
  ASSERT_TRUE(blob.has_value()) << blob.error().message;
  EXPECT_EQ(blob->size, 11);
  EXPECT_EQ(valueOf(valueOf(blobs_->blobSize(digest))), 11);
  EXPECT_TRUE(std::filesystem::exists(dir_.path() + "/blobs/sha256/" + digest.substr(7, 2) + "/" +
                                      digest.substr(7)));
  EXPECT_EQ(uploadFiles(), 0u);
  EXPECT_EQ(blobs_->status(up->id).error().kind, ErrorKind::NotFound);
}

TEST_F(BlobStoreTest, OutOfOrderChunkIsRefusedWithTheOffsetToResumeFrom) {
  auto up = blobs_->startUpload("kernel", 100);
  ASSERT_TRUE(blobs_->append(up->id, 0, "abc").has_value());
  auto gap = blobs_->append(up->id, 5, "x");
  ASSERT_FALSE(gap.has_value());
  EXPECT_EQ(gap.error().kind, ErrorKind::RangeNotSatisfiable);
  EXPECT_NE(gap.error().message.find("resume from byte 3"), std::string::npos);
  auto replay = blobs_->append(up->id, 0, "abc");
  EXPECT_EQ(replay.error().kind, ErrorKind::RangeNotSatisfiable);
  EXPECT_EQ(valueOf(blobs_->status(up->id)).offset, 3);
}

TEST_F(BlobStoreTest, AnUploadResumesAfterARestartAndHashesCorrectly) {
  auto up = blobs_->startUpload("kernel", 100);
  ASSERT_TRUE(blobs_->append(up->id, 0, "first half, ").has_value());
  reopen();
  EXPECT_EQ(valueOf(blobs_->status(up->id)).offset, 12);
  ASSERT_TRUE(blobs_->append(up->id, 12, "second half").has_value());
  auto blob = blobs_->commit(up->id, digestString(sha256("first half, second half")));
  EXPECT_TRUE(blob.has_value());
}

TEST_F(BlobStoreTest, PassingTheLimitDiscardsTheUploadAndItsFile) {
  auto up = blobs_->startUpload("kernel", 10);
  ASSERT_TRUE(blobs_->append(up->id, 0, "12345678").has_value());
  auto over = blobs_->append(up->id, 8, "901");
  ASSERT_FALSE(over.has_value());
  EXPECT_EQ(over.error().kind, ErrorKind::TooLarge);
  EXPECT_EQ(uploadFiles(), 0u);
  EXPECT_EQ(blobs_->status(up->id).error().kind, ErrorKind::NotFound);
}

TEST_F(BlobStoreTest, DigestMismatchDiscardsAndStoresNothing) {
  for (const std::string& sent : {std::string("truncate"), std::string("extra bytes!!")}) {
    auto up = blobs_->startUpload("kernel", 100);
    ASSERT_TRUE(blobs_->append(up->id, 0, sent).has_value());
    std::string expected = digestString(sha256("truncated or not"));
    auto blob = blobs_->commit(up->id, expected);
    ASSERT_FALSE(blob.has_value());
    EXPECT_EQ(blob.error().code, "digest_mismatch");
    EXPECT_FALSE(valueOf(blobs_->blobSize(expected)).has_value());
    EXPECT_EQ(uploadFiles(), 0u);
  }
}

TEST_F(BlobStoreTest, MalformedDigestsAndUploadIdsAreRejected) {
  auto up = blobs_->startUpload("kernel", 100);
  for (const char* bad : {"sha256:abc", "md5:00", "", "sha256:../../etc/passwd"}) {
    auto r = blobs_->commit(up->id, bad);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "digest_invalid") << bad;
  }
  EXPECT_EQ(blobs_->status("../../s.db").error().kind, ErrorKind::NotFound);
  EXPECT_EQ(blobs_->append("not-an-id", 0, "x").error().kind, ErrorKind::NotFound);
}

TEST_F(BlobStoreTest, RestartRemovesStrayUploadFilesAndRowsWithoutFiles) {
  std::ofstream(dir_.file("uploads/0123456789abcdef0123456789abcdef")) << "orphan";
  auto up = blobs_->startUpload("kernel", 100);
  std::filesystem::remove(dir_.file("uploads/" + up->id));
  reopen();
  EXPECT_EQ(uploadFiles(), 0u);
  EXPECT_EQ(blobs_->status(up->id).error().kind, ErrorKind::NotFound);
}

TEST_F(BlobStoreTest, RehashSeesCorruptionOnDisk) {
  auto up = blobs_->startUpload("kernel", 100);
  ASSERT_TRUE(blobs_->append(up->id, 0, "content").has_value());
  std::string digest = digestString(sha256("content"));
  ASSERT_TRUE(blobs_->commit(up->id, digest).has_value());
  EXPECT_EQ(valueOf(blobs_->rehash(digest)).digest, digest);
  std::ofstream(blobs_->blobPath(digest), std::ios::binary | std::ios::in | std::ios::out).put('C');
  EXPECT_NE(valueOf(blobs_->rehash(digest)).digest, digest);
}

}  // namespace
}  // namespace stele::store

namespace stele::store {
namespace {

class UploadChunkTest : public BlobStoreTest {};

TEST_F(UploadChunkTest, AChunkInPiecesJoinsTheUploadOnlyWhenFinished) {
  auto up = blobs_->startUpload("kernel", 100);
  ASSERT_TRUE(blobs_->append(up->id, 0, "hello ").has_value());
  auto chunk = valueOf(blobs_->openChunk(up->id, 6, 5));
  ASSERT_TRUE(chunk->write("wor").has_value());
  EXPECT_EQ(valueOf(blobs_->status(up->id)).offset, 6) << "a partial chunk does not count";
  ASSERT_TRUE(chunk->write("ld").has_value());
  EXPECT_EQ(valueOf(chunk->finish()).offset, 11);
  chunk.reset();
  EXPECT_EQ(uploadFiles(), 1u) << "the chunk's side file is gone";
  auto blob = blobs_->commit(up->id, digestString(sha256("hello world")));
  ASSERT_TRUE(blob.has_value()) << blob.error().message;
}

TEST_F(UploadChunkTest, AnAbandonedChunkLeavesThePreviousOffsetAndAWorkingHash) {
  auto up = blobs_->startUpload("kernel", 100);
  ASSERT_TRUE(blobs_->append(up->id, 0, "abc").has_value());
  {
    auto chunk = valueOf(blobs_->openChunk(up->id, 3, 10));
    ASSERT_TRUE(chunk->write("garbage").has_value());
  }  // the client went away
  EXPECT_EQ(valueOf(blobs_->status(up->id)).offset, 3);
  EXPECT_EQ(uploadFiles(), 1u);
  ASSERT_TRUE(blobs_->append(up->id, 3, "def").has_value());
  EXPECT_TRUE(blobs_->commit(up->id, digestString(sha256("abcdef"))).has_value());
}

TEST_F(UploadChunkTest, OneChunkAtATimeAndNoMoreBytesThanDeclared) {
  auto up = blobs_->startUpload("kernel", 100);
  auto chunk = valueOf(blobs_->openChunk(up->id, 0, 4));
  auto second = blobs_->openChunk(up->id, 0, 4);
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code, "upload_busy");
  EXPECT_EQ(blobs_->commit(up->id, digestString(sha256("abcd"))).error().code, "upload_busy");
  EXPECT_EQ(chunk->write("abcde").error().code, "content_range_mismatch");
  ASSERT_TRUE(chunk->write("abc").has_value());
  EXPECT_EQ(chunk->finish().error().code, "content_range_mismatch") << "one byte short";
  ASSERT_TRUE(chunk->write("d").has_value());
  EXPECT_TRUE(chunk->finish().has_value());
}

TEST_F(UploadChunkTest, OffsetAndLimitAreCheckedBeforeAnyByteArrives) {
  auto up = blobs_->startUpload("kernel", 10);
  EXPECT_EQ(blobs_->openChunk(up->id, 4, 2).error().kind, ErrorKind::RangeNotSatisfiable);
  EXPECT_EQ(blobs_->openChunk(up->id, 0, 11).error().code, "upload_too_large");
  EXPECT_EQ(blobs_->status(up->id).error().kind, ErrorKind::NotFound) << "discarded";
}

}  // namespace
}  // namespace stele::store
