#include "store/database.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "store/migrations.h"
#include "tests/support/temp_dir.h"
#include "tests/support/value_of.h"

using stele::testing::valueOf;

namespace stele::store {
namespace {

TEST(Database, MigratesAFreshFileToTheNewestSchemaAndReopensWithoutRerunning) {
  testing::TempDir dir;
  {
    auto db = Database::open(dir.file("s.db"));
    ASSERT_TRUE(db.has_value()) << db.error().message;
    EXPECT_EQ((*db)->schemaVersion(), static_cast<int>(migrations().size()));
    ASSERT_TRUE((*db)
                    ->execute("INSERT INTO uploads (id, kind, max_bytes, created_at) VALUES ('u', "
                              "'kernel', 1, 1)")
                    .has_value());
  }
  auto again = Database::open(dir.file("s.db"));
  ASSERT_TRUE(again.has_value());
  auto rows = (*again)->query("SELECT COUNT(*) FROM uploads");
  EXPECT_EQ(rows->front().integer(0), 1);
  auto mode = (*again)->query("PRAGMA journal_mode");
  EXPECT_EQ(mode->front().text(0), "wal");
  auto fk = (*again)->query("PRAGMA foreign_keys");
  EXPECT_EQ(fk->front().integer(0), 1);
}

TEST(Database, TheFileIsReadableOnlyByTheServerEvenIfItWasMadeLooser) {
  testing::TempDir dir;
  { std::ofstream(dir.file("s.db")); }
  ASSERT_EQ(::chmod(dir.file("s.db").c_str(), 0644), 0);
  auto db = Database::open(dir.file("s.db"));
  ASSERT_TRUE(db.has_value()) << db.error().message;
  for (const char* name : {"s.db", "s.db-wal"}) {
    struct stat st {};
    ASSERT_EQ(::stat(dir.file(name).c_str(), &st), 0) << name;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << name;
  }
}

TEST(Database, RefusesASchemaNewerThanItKnows) {
  testing::TempDir dir;
  {
    auto db = Database::open(dir.file("s.db"));
    ASSERT_TRUE((*db)->execute("UPDATE schema_version SET version = 999").has_value());
  }
  auto db = Database::open(dir.file("s.db"));
  ASSERT_FALSE(db.has_value());
  EXPECT_EQ(db.error().code, "schema_too_new");
}

TEST(Database, AFailedTransactionLeavesNothingBehind) {
  testing::TempDir dir;
  auto db = std::move(*Database::open(dir.file("s.db")));
  auto r = db->transaction([](Database& tx) -> Result<void> {
    (void)tx.execute(
        "INSERT INTO uploads (id, kind, max_bytes, created_at) VALUES ('a', 'kernel', 1, 1)");
    return fail(ErrorKind::Conflict, "stop", "stop here");
  });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(valueOf(db->query("SELECT COUNT(*) FROM uploads")).front().integer(0), 0);
}

TEST(Database, ConstraintViolationsAreConflicts) {
  testing::TempDir dir;
  auto db = std::move(*Database::open(dir.file("s.db")));
  ASSERT_TRUE(
      db->execute(
            "INSERT INTO uploads (id, kind, max_bytes, created_at) VALUES ('a', 'kernel', 1, 1)")
          .has_value());
  auto dup = db->execute(
      "INSERT INTO uploads (id, kind, max_bytes, created_at) VALUES ('a', 'kernel', 1, 1)");
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error().kind, ErrorKind::Conflict);
}

TEST(Database, BindsUserTextAsDataNeverAsSql) {
  testing::TempDir dir;
  auto db = std::move(*Database::open(dir.file("s.db")));
  std::string hostile = "x'); DROP TABLE uploads; --";
  ASSERT_TRUE(
      db->execute(
            "INSERT INTO uploads (id, kind, max_bytes, created_at) VALUES (?, 'kernel', 1, 1)",
            {hostile})
          .has_value());
  auto rows = db->query("SELECT id FROM uploads WHERE id = ?", {hostile});
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->front().text(0), hostile);
}

}  // namespace
}  // namespace stele::store
