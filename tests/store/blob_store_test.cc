#include "store/blob_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "common/sha256.h"
#include "tests/support/temp_dir.h"
#include "tests/support/value_of.h"

using stele::testing::valueOf;

namespace stele::store {
namespace {

const std::string kOwner = "token-a";
const UploadCaller kMe{kOwner};

class BlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { reopen(); }
  void reopen() {
    blobs_.reset();
    db_.reset();
    db_ = std::move(*Database::open(dir_.file("s.db")));
    auto opened = BlobStore::open(dir_.path(), *db_, clock_, random_, policy_);
    ASSERT_TRUE(opened.has_value()) << opened.error().message;
    blobs_ = std::move(*opened);
  }
  std::string uploadFile(const std::string& id) const { return dir_.file("uploads/" + id); }
  std::size_t uploadFiles() const {
    std::size_t n = 0;
    for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir_.file("uploads"))) ++n;
    return n;
  }

  testing::TempDir dir_;
  ManualClock clock_{1'800'000'000};
  UploadPolicy policy_{.maxPerOwner = 3, .idleTimeoutMs = 60'000};
  SystemRandom random_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<BlobStore> blobs_;
};

TEST_F(BlobStoreTest, ChunksInOrderCommitToTheContentAddress) {
  auto up = blobs_->startUpload("kernel", 100, kOwner);
  ASSERT_TRUE(blobs_->append(up->id, kMe, 0, "hello ").has_value());
  auto status = blobs_->append(up->id, kMe, 6, "world");
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->offset, 11);
  std::string digest = digestString(sha256("hello world"));
  auto blob = blobs_->commit(up->id, kMe, digest);
  ASSERT_TRUE(blob.has_value()) << blob.error().message;
  EXPECT_EQ(blob->size, 11);
  EXPECT_EQ(valueOf(valueOf(blobs_->blobSize(digest))), 11);
  EXPECT_TRUE(std::filesystem::exists(dir_.path() + "/blobs/sha256/" + digest.substr(7, 2) + "/" +
                                      digest.substr(7)));
  EXPECT_EQ(uploadFiles(), 0u);
  EXPECT_EQ(blobs_->status(up->id, kMe).error().kind, ErrorKind::NotFound);
}

TEST_F(BlobStoreTest, OutOfOrderChunkIsRefusedWithTheOffsetToResumeFrom) {
  auto up = blobs_->startUpload("kernel", 100, kOwner);
  ASSERT_TRUE(blobs_->append(up->id, kMe, 0, "abc").has_value());
  auto gap = blobs_->append(up->id, kMe, 5, "x");
  ASSERT_FALSE(gap.has_value());
  EXPECT_EQ(gap.error().kind, ErrorKind::RangeNotSatisfiable);
  EXPECT_NE(gap.error().message.find("resume from byte 3"), std::string::npos);
  auto replay = blobs_->append(up->id, kMe, 0, "abc");
  EXPECT_EQ(replay.error().kind, ErrorKind::RangeNotSatisfiable);
  EXPECT_EQ(valueOf(blobs_->status(up->id, kMe)).offset, 3);
}

TEST_F(BlobStoreTest, AnUploadResumesAfterARestartAndHashesCorrectly) {
  auto up = blobs_->startUpload("kernel", 100, kOwner);
  ASSERT_TRUE(blobs_->append(up->id, kMe, 0, "first half, ").has_value());
  reopen();
  EXPECT_EQ(valueOf(blobs_->status(up->id, kMe)).offset, 12);
  ASSERT_TRUE(blobs_->append(up->id, kMe, 12, "second half").has_value());
  auto blob = blobs_->commit(up->id, kMe, digestString(sha256("first half, second half")));
  EXPECT_TRUE(blob.has_value());
}

TEST_F(BlobStoreTest, PassingTheLimitDiscardsTheUploadAndItsFile) {
  auto up = blobs_->startUpload("kernel", 10, kOwner);
  ASSERT_TRUE(blobs_->append(up->id, kMe, 0, "12345678").has_value());
  auto over = blobs_->append(up->id, kMe, 8, "901");
  ASSERT_FALSE(over.has_value());
  EXPECT_EQ(over.error().kind, ErrorKind::TooLarge);
  EXPECT_EQ(uploadFiles(), 0u);
  EXPECT_EQ(blobs_->status(up->id, kMe).error().kind, ErrorKind::NotFound);
}

TEST_F(BlobStoreTest, DigestMismatchDiscardsAndStoresNothing) {
  for (const std::string& sent : {std::string("truncate"), std::string("extra bytes!!")}) {
    auto up = blobs_->startUpload("kernel", 100, kOwner);
    ASSERT_TRUE(blobs_->append(up->id, kMe, 0, sent).has_value());
    std::string expected = digestString(sha256("truncated or not"));
    auto blob = blobs_->commit(up->id, kMe, expected);
    ASSERT_FALSE(blob.has_value());
    EXPECT_EQ(blob.error().code, "digest_mismatch");
    EXPECT_FALSE(valueOf(blobs_->blobSize(expected)).has_value());
    EXPECT_EQ(uploadFiles(), 0u);
  }
}

TEST_F(BlobStoreTest, MalformedDigestsAndUploadIdsAreRejected) {
  auto up = blobs_->startUpload("kernel", 100, kOwner);
  for (const char* bad : {"sha256:abc", "md5:00", "", "sha256:../../etc/passwd"}) {
    auto r = blobs_->commit(up->id, kMe, bad);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "digest_invalid") << bad;
  }
  EXPECT_EQ(blobs_->status("../../s.db", kMe).error().kind, ErrorKind::NotFound);
  EXPECT_EQ(blobs_->append("not-an-id", kMe, 0, "x").error().kind, ErrorKind::NotFound);
}

TEST_F(BlobStoreTest, RestartRemovesStrayUploadFilesAndRowsWithoutFiles) {
  std::ofstream(dir_.file("uploads/0123456789abcdef0123456789abcdef")) << "orphan";
  auto up = blobs_->startUpload("kernel", 100, kOwner);
  std::filesystem::remove(dir_.file("uploads/" + up->id));
  reopen();
  EXPECT_EQ(uploadFiles(), 0u);
  EXPECT_EQ(blobs_->status(up->id, kMe).error().kind, ErrorKind::NotFound);
}

TEST_F(BlobStoreTest, RehashSeesCorruptionOnDisk) {
  auto up = blobs_->startUpload("kernel", 100, kOwner);
  ASSERT_TRUE(blobs_->append(up->id, kMe, 0, "content").has_value());
  std::string digest = digestString(sha256("content"));
  ASSERT_TRUE(blobs_->commit(up->id, kMe, digest).has_value());
  EXPECT_EQ(valueOf(blobs_->rehash(digest, 7)).digest, digest);
  std::ofstream(blobs_->blobPath(digest), std::ios::binary | std::ios::in | std::ios::out).put('C');
  EXPECT_NE(valueOf(blobs_->rehash(digest, 7)).digest, digest);
  EXPECT_EQ(blobs_->rehash(digest, 8).error().code, "blob_corrupt") << "size checked first";
}

TEST_F(BlobStoreTest, AnotherOwnersUploadIsNotFoundForEveryOperation) {
  auto up = valueOf(blobs_->startUpload("kernel", 100, kOwner));
  ASSERT_TRUE(blobs_->append(up.id, kMe, 0, "mine").has_value());
  const UploadCaller other{"token-b"};
  EXPECT_EQ(blobs_->status(up.id, other).error().code, "upload_not_found");
  EXPECT_EQ(blobs_->append(up.id, other, 4, "theirs").error().code, "upload_not_found");
  EXPECT_EQ(blobs_->commit(up.id, other, digestString(sha256("mine"))).error().code,
            "upload_not_found");
  EXPECT_EQ(blobs_->cancel(up.id, other).error().code, "upload_not_found");
  EXPECT_TRUE(valueOf(blobs_->listUploads(other)).empty());
  EXPECT_EQ(valueOf(blobs_->status(up.id, kMe)).offset, 4) << "the owner's upload is untouched";
  EXPECT_EQ(valueOf(blobs_->listUploads(UploadCaller{"admin", true})).size(), 1u);
  EXPECT_TRUE(blobs_->cancel(up.id, UploadCaller{"admin", true}).has_value());
  EXPECT_EQ(uploadFiles(), 0u);
}

TEST_F(BlobStoreTest, AnOwnerPastTheCapIsRefusedUntilOneOfItsUploadsEnds) {
  std::vector<std::string> ids;
  ids.reserve(3);
  for (int i = 0; i < 3; ++i) ids.push_back(valueOf(blobs_->startUpload("kernel", 100, kOwner)).id);
  auto over = blobs_->startUpload("kernel", 100, kOwner);
  ASSERT_FALSE(over.has_value());
  EXPECT_EQ(over.error().kind, ErrorKind::TooManyRequests);
  EXPECT_EQ(over.error().code, "too_many_uploads");
  EXPECT_NE(over.error().message.find("--max-uploads-per-token 3"), std::string::npos);
  EXPECT_EQ(uploadFiles(), 3u) << "the refused upload left no file";
  EXPECT_TRUE(blobs_->startUpload("kernel", 100, "token-b").has_value()) << "caps are per token";
  ASSERT_TRUE(blobs_->cancel(ids[0], kMe).has_value());
  EXPECT_TRUE(blobs_->startUpload("kernel", 100, kOwner).has_value());
}

TEST_F(BlobStoreTest, AChunkKeepsAnUploadAliveAndAnIdleOneExpiresWithItsFile) {
  auto busy = valueOf(blobs_->startUpload("kernel", 100, kOwner));
  auto idle = valueOf(blobs_->startUpload("kernel", 100, kOwner));
  EXPECT_EQ(idle.expiresAtMs, clock_.nowMs() + 60'000);
  clock_.advanceMs(40'000);
  ASSERT_TRUE(blobs_->append(busy.id, kMe, 0, "abc").has_value());
  EXPECT_EQ(valueOf(blobs_->sweepExpired()), 0);
  clock_.advanceMs(20'000);  // idle: 60 s without a chunk; busy: 20 s since its chunk
  EXPECT_EQ(valueOf(blobs_->sweepExpired()), 1);
  EXPECT_FALSE(std::filesystem::exists(dir_.file("uploads/" + idle.id)));
  EXPECT_EQ(blobs_->status(idle.id, kMe).error().code, "upload_not_found");
  EXPECT_EQ(valueOf(blobs_->status(busy.id, kMe)).offset, 3);
  auto listed = valueOf(blobs_->listUploads(kMe));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].id, busy.id);
  EXPECT_EQ(listed[0].expiresAtMs, clock_.nowMs() + 40'000);
}

TEST_F(BlobStoreTest, AnExpiredUploadIsRefusedEvenBeforeTheSweeperComes) {
  auto up = valueOf(blobs_->startUpload("kernel", 100, kOwner));
  clock_.advanceMs(60'000);
  EXPECT_EQ(blobs_->append(up.id, kMe, 0, "late").error().code, "upload_not_found");
  EXPECT_EQ(uploadFiles(), 0u);
}

TEST_F(BlobStoreTest, UploadsThatExpiredWhileClosedAreSweptAtOpen) {
  auto stale = valueOf(blobs_->startUpload("kernel", 100, kOwner));
  ASSERT_TRUE(blobs_->append(stale.id, kMe, 0, "partial").has_value());
  blobs_.reset();
  clock_.advanceMs(61'000);
  reopen();
  EXPECT_EQ(uploadFiles(), 0u);
  EXPECT_TRUE(valueOf(blobs_->listUploads(UploadCaller{"admin", true})).empty());
}

std::string committed(BlobStore& blobs, const std::string& content) {
  auto up = valueOf(blobs.startUpload("kernel", 100, kOwner));
  EXPECT_TRUE(blobs.append(up.id, kMe, 0, content).has_value());
  return valueOf(blobs.commit(up.id, kMe, digestString(sha256(content)))).digest;
}

TEST_F(BlobStoreTest, AnythingButTheServersOwnFileAtABlobsPathIsCorruptByName) {
  std::string digest = committed(*blobs_, "content");
  std::string path = blobs_->blobPath(digest);
  std::string spare = dir_.file("spare");
  struct Impostor {
    const char* reason;
    std::function<void()> plant;
  };
  std::vector<Impostor> impostors = {
      {"is a symbolic link",
       [&] {
         std::ofstream(spare) << "content";  // the very same bytes
         std::filesystem::remove(path);
         std::filesystem::create_symlink(spare, path);
       }},
      {"has 2 links, not 1", [&] { ASSERT_EQ(::link(path.c_str(), spare.c_str()), 0); }},
      {"is owned by uid 4242", [&] { ASSERT_EQ(::chown(path.c_str(), 4242, 4242), 0); }},
      {"is a directory",
       [&] {
         std::filesystem::remove(path);
         std::filesystem::create_directory(path);
       }},
      {"is a FIFO",
       [&] {
         std::filesystem::remove(path);
         ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
       }},
  };
  for (const auto& impostor : impostors) {
    SCOPED_TRACE(impostor.reason);
    impostor.plant();
    auto rehashed = blobs_->rehash(digest, 7);
    ASSERT_FALSE(rehashed.has_value());
    EXPECT_EQ(rehashed.error().code, "blob_corrupt");
    EXPECT_NE(rehashed.error().message.find(digest), std::string::npos);
    EXPECT_NE(rehashed.error().message.find(impostor.reason), std::string::npos)
        << rehashed.error().message;
    EXPECT_EQ(blobs_->blobSize(digest).error().code, "blob_corrupt");
    std::filesystem::remove_all(path);
    std::filesystem::remove_all(spare);
    // Pushing the same content again replaces whatever was there with the server's own file.
    EXPECT_EQ(committed(*blobs_, "content"), digest);
    EXPECT_EQ(valueOf(blobs_->rehash(digest, 7)).digest, digest);
  }
}

TEST_F(BlobStoreTest, ARecommitReplacesALinkPlantedAtTheBlobsPath) {
  std::string digest = committed(*blobs_, "content");
  std::string path = blobs_->blobPath(digest);
  std::ofstream(dir_.file("spare")) << "content";
  std::filesystem::remove(path);
  std::filesystem::create_symlink(dir_.file("spare"), path);
  EXPECT_EQ(committed(*blobs_, "content"), digest);
  EXPECT_FALSE(std::filesystem::is_symlink(path));
  EXPECT_EQ(valueOf(blobs_->rehash(digest, 7)).digest, digest);
}

TEST_F(BlobStoreTest, ALinkPlantedAsAnUploadFileIsNeverWrittenThrough) {
  auto up = valueOf(blobs_->startUpload("kernel", 100, kOwner));
  std::string file = dir_.file("uploads/" + up.id);
  std::ofstream(dir_.file("victim")) << "keep";
  std::filesystem::remove(file);
  std::filesystem::create_symlink(dir_.file("victim"), file);
  auto appended = blobs_->append(up.id, kMe, 0, "evil");
  ASSERT_FALSE(appended.has_value());
  EXPECT_EQ(appended.error().code, "upload_untrusted");
  std::ifstream victim(dir_.file("victim"));
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(victim), {}), "keep");
  EXPECT_EQ(blobs_->status(up.id, kMe).error().code, "upload_not_found") << "discarded";
}

TEST_F(BlobStoreTest, BlobAndUploadDirectoriesOthersCanWriteAreRefusedAtOpen) {
  ::chmod(dir_.file("uploads").c_str(), 0777);
  blobs_.reset();
  auto opened = BlobStore::open(dir_.path(), *db_, clock_, random_, policy_);
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, "data_dir_unsafe");
  EXPECT_NE(opened.error().message.find("uploads can be written by others"), std::string::npos)
      << opened.error().message;
}

}  // namespace
}  // namespace stele::store

namespace stele::store {
namespace {

class UploadChunkTest : public BlobStoreTest {
 protected:
  // An upload holding `first` is left while the store is closed to `meanwhile` (what a crash, a
  // power cut or an older server leaves); after the restart it must resume at `resumeAt`, with
  // the file that long, and commit as `whole`.
  void expectResumesAfterRestart(const std::string& first,
                                 const std::function<void(const std::string& id)>& meanwhile,
                                 std::int64_t resumeAt, const std::string& whole) {
    auto up = valueOf(blobs_->startUpload("kernel", 100, kOwner));
    ASSERT_TRUE(blobs_->append(up.id, kMe, 0, first).has_value());
    blobs_.reset();
    meanwhile(up.id);
    reopen();
    EXPECT_EQ(std::filesystem::file_size(uploadFile(up.id)), static_cast<std::uintmax_t>(resumeAt));
    EXPECT_EQ(valueOf(blobs_->status(up.id, kMe)).offset, resumeAt);
    ASSERT_TRUE(
        blobs_->append(up.id, kMe, resumeAt, whole.substr(static_cast<std::size_t>(resumeAt)))
            .has_value());
    EXPECT_TRUE(blobs_->commit(up.id, kMe, digestString(sha256(whole))).has_value());
  }
};

TEST_F(UploadChunkTest, AChunkInPiecesJoinsTheUploadOnlyWhenFinished) {
  auto up = blobs_->startUpload("kernel", 100, kOwner);
  ASSERT_TRUE(blobs_->append(up->id, kMe, 0, "hello ").has_value());
  auto chunk = valueOf(blobs_->openChunk(up->id, kMe, 6, 5));
  ASSERT_TRUE(chunk->write("wor").has_value());
  EXPECT_EQ(valueOf(blobs_->status(up->id, kMe)).offset, 6) << "a partial chunk does not count";
  ASSERT_TRUE(chunk->write("ld").has_value());
  EXPECT_EQ(valueOf(chunk->finish()).offset, 11);
  chunk.reset();
  EXPECT_EQ(uploadFiles(), 1u) << "the upload's one file, no side file";
  auto blob = blobs_->commit(up->id, kMe, digestString(sha256("hello world")));
  ASSERT_TRUE(blob.has_value()) << blob.error().message;
}

TEST_F(UploadChunkTest, AnAbandonedChunkLeavesThePreviousOffsetAndAWorkingHash) {
  auto up = blobs_->startUpload("kernel", 100, kOwner);
  ASSERT_TRUE(blobs_->append(up->id, kMe, 0, "abc").has_value());
  {
    auto chunk = valueOf(blobs_->openChunk(up->id, kMe, 3, 10));
    ASSERT_TRUE(chunk->write("garbage").has_value());
  }  // the client went away
  EXPECT_EQ(valueOf(blobs_->status(up->id, kMe)).offset, 3);
  EXPECT_EQ(uploadFiles(), 1u);
  ASSERT_TRUE(blobs_->append(up->id, kMe, 3, "def").has_value());
  EXPECT_TRUE(blobs_->commit(up->id, kMe, digestString(sha256("abcdef"))).has_value());
}

TEST_F(UploadChunkTest, AChunkIsWrittenInPlaceAndOneThatFailsMidwayIsCutBackForARetry) {
  auto up = valueOf(blobs_->startUpload("kernel", 100, kOwner));
  ASSERT_TRUE(blobs_->append(up.id, kMe, 0, "abc").has_value());
  std::string file = dir_.file("uploads/" + up.id);
  {
    auto chunk = valueOf(blobs_->openChunk(up.id, kMe, 3, 10));
    ASSERT_TRUE(chunk->write("defg").has_value());
    EXPECT_EQ(std::filesystem::file_size(file), 7u) << "the bytes go to the upload file at once";
    EXPECT_EQ(valueOf(blobs_->status(up.id, kMe)).offset, 3) << "but count only when finished";
    EXPECT_EQ(chunk->finish().error().code, "content_range_mismatch");
  }  // the connection broke six bytes short
  EXPECT_EQ(std::filesystem::file_size(file), 3u) << "cut back to the previous length";
  EXPECT_EQ(valueOf(blobs_->status(up.id, kMe)).offset, 3);
  EXPECT_EQ(blobs_->append(up.id, kMe, 7, "x").error().kind, ErrorKind::RangeNotSatisfiable);
  ASSERT_TRUE(blobs_->append(up.id, kMe, 3, "defghijklm").has_value()) << "the retry";
  EXPECT_TRUE(blobs_->commit(up.id, kMe, digestString(sha256("abcdefghijklm"))).has_value());
}

TEST_F(UploadChunkTest, BytesACrashLeftPastTheRecordedLengthAreCutAtOpen) {
  expectResumesAfterRestart(
      "whole ",
      [&](const std::string& id) {
        std::ofstream(uploadFile(id), std::ios::binary | std::ios::app) << "half a ch";  // killed
      },
      6, "whole chunk");
}

TEST_F(UploadChunkTest, AnUploadResumesFromWhatItsFileHoldsWhenThatIsLessThanTheRecord) {
  expectResumesAfterRestart(
      "0123456789",
      [&](const std::string& id) {
        std::filesystem::resize_file(uploadFile(id), 4);  // pages lost to a power cut
      },
      4, "0123456789");
}

TEST_F(UploadChunkTest, AnUploadRecordedBeforeLengthsWereStoredTakesItsFilesLength) {
  expectResumesAfterRestart(
      "old ",
      [&](const std::string&) {
        ASSERT_TRUE(db_->execute("UPDATE uploads SET committed_bytes = NULL").has_value());
      },
      4, "old server");
}

TEST_F(UploadChunkTest, OneChunkAtATimeAndNoMoreBytesThanDeclared) {
  auto up = blobs_->startUpload("kernel", 100, kOwner);
  auto chunk = valueOf(blobs_->openChunk(up->id, kMe, 0, 4));
  auto second = blobs_->openChunk(up->id, kMe, 0, 4);
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code, "upload_busy");
  EXPECT_EQ(blobs_->commit(up->id, kMe, digestString(sha256("abcd"))).error().code, "upload_busy");
  EXPECT_EQ(chunk->write("abcde").error().code, "content_range_mismatch");
  ASSERT_TRUE(chunk->write("abc").has_value());
  EXPECT_EQ(chunk->finish().error().code, "content_range_mismatch") << "one byte short";
  ASSERT_TRUE(chunk->write("d").has_value());
  EXPECT_TRUE(chunk->finish().has_value());
}

TEST_F(UploadChunkTest, OffsetAndLimitAreCheckedBeforeAnyByteArrives) {
  auto up = blobs_->startUpload("kernel", 10, kOwner);
  EXPECT_EQ(blobs_->openChunk(up->id, kMe, 4, 2).error().kind, ErrorKind::RangeNotSatisfiable);
  EXPECT_EQ(blobs_->openChunk(up->id, kMe, 0, 11).error().code, "upload_too_large");
  EXPECT_EQ(blobs_->status(up->id, kMe).error().kind, ErrorKind::NotFound) << "discarded";
}

}  // namespace
}  // namespace stele::store
