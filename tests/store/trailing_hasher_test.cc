// The hash that trails an upload chunk's writes: what it returns covers exactly the bytes the
// writer reported, however they were split.
#include "store/trailing_hasher.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "store/file_io.h"
#include "tests/support/temp_dir.h"

namespace stele::store {
namespace {

TEST(TrailingHasherTest, HashesWhatWasReportedWrittenAfterWhatTheHashAlreadyHeld) {
  testing::TempDir dir;
  Fd fd(::open(dir.file("f").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  ASSERT_GE(fd.get(), 0);
  // More than one read-back piece, in writes that do not line up with the pieces.
  std::string bytes(TrailingHasher::kPieceBytes * 2 + 12345, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7 + i / 1000);
  std::string before = "already hashed: ";
  Sha256 running;
  running.update(before);
  TrailingHasher hasher(fd.get(), 0, std::move(running));
  for (std::size_t at = 0; at < bytes.size(); at += 100000) {
    std::size_t n = std::min<std::size_t>(100000, bytes.size() - at);
    ASSERT_EQ(::pwrite(fd.get(), bytes.data() + at, n, static_cast<off_t>(at)),
              static_cast<ssize_t>(n));
    hasher.advance(static_cast<std::int64_t>(at + n));
  }
  ASSERT_EQ(::pwrite(fd.get(), "not reported", 12, static_cast<off_t>(bytes.size())), 12);
  auto hash = hasher.finish();
  ASSERT_TRUE(hash.has_value()) << hash.error().message;
  EXPECT_EQ(digestString(hash->finish()), digestString(sha256(before + bytes)));
  EXPECT_FALSE(hasher.finish().has_value()) << "a hash is handed out once";
}

TEST(TrailingHasherTest, BytesTheFileDoesNotHoldAreAnErrorNotAHang) {
  testing::TempDir dir;
  Fd fd(::open(dir.file("f").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  ASSERT_EQ(::pwrite(fd.get(), "abc", 3, 0), 3);
  TrailingHasher hasher(fd.get(), 0, Sha256());
  hasher.advance(10);  // the file was cut under the writer
  auto hash = hasher.finish();
  ASSERT_FALSE(hash.has_value());
  EXPECT_EQ(hash.error().code, "io_failed");
}

TEST(TrailingHasherTest, AnAbandonedHashStopsWithoutReadingTheRest) {
  testing::TempDir dir;
  Fd fd(::open(dir.file("f").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  { TrailingHasher hasher(fd.get(), 0, Sha256()); }  // no advance, no finish: returns
  SUCCEED();
}

}  // namespace
}  // namespace stele::store
