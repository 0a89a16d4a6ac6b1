// Which files and directories the server trusts: pure decisions over fstat facts.
#include "store/trusted_file.h"

#include <gtest/gtest.h>

namespace stele::store {
namespace {

using Type = FileFacts::Type;

TEST(TrustedFileTest, OnlyARegularFileWithOneLinkOwnedByTheServerIsTrusted) {
  EXPECT_EQ(untrustedReason({Type::Regular, 1, 0, 0600, 10}, 0), std::nullopt);
  EXPECT_EQ(untrustedReason({Type::Regular, 1, 1000, 0644, 10}, 1000), std::nullopt)
      << "mode bits do not matter for a file the server reads";
  struct Case {
    FileFacts facts;
    const char* reason;
  };
  for (const Case& c : {Case{{Type::Directory, 1, 0, 0700, 0}, "is a directory"},
                        Case{{Type::Fifo, 1, 0, 0600, 0}, "is a FIFO"},
                        Case{{Type::Socket, 1, 0, 0600, 0}, "is a socket"},
                        Case{{Type::CharDevice, 1, 0, 0600, 0}, "is a character device"},
                        Case{{Type::BlockDevice, 1, 0, 0600, 0}, "is a block device"},
                        Case{{Type::Symlink, 1, 0, 0777, 0}, "is a symbolic link"},
                        Case{{Type::Regular, 2, 0, 0600, 10}, "has 2 links, not 1"},
                        Case{{Type::Regular, 0, 0, 0600, 10}, "has 0 links, not 1"},
                        Case{{Type::Regular, 1, 12345, 0600, 10},
                             "is owned by uid 12345, not the server's uid 0"}}) {
    EXPECT_EQ(untrustedReason(c.facts, 0).value_or("trusted"), c.reason);
  }
}

TEST(TrustedFileTest, ADataDirectoryMustBeTheServersAndWritableByNoOneElse) {
  EXPECT_EQ(unsafeDirectoryReason({Type::Directory, 2, 0, 0700, 0}, 0), std::nullopt);
  EXPECT_EQ(unsafeDirectoryReason({Type::Directory, 2, 0, 0755, 0}, 0), std::nullopt)
      << "others may read and list, not write";
  EXPECT_EQ(unsafeDirectoryReason({Type::Directory, 2, 0, 0777, 0}, 0), "can be written by others");
  EXPECT_EQ(unsafeDirectoryReason({Type::Directory, 2, 0, 01777, 0}, 0), "can be written by others")
      << "sticky /tmp-like directories too";
  EXPECT_EQ(unsafeDirectoryReason({Type::Directory, 2, 0, 0770, 0}, 0),
            "can be written by its group");
  EXPECT_EQ(unsafeDirectoryReason({Type::Directory, 2, 1000, 0700, 0}, 0),
            "is owned by uid 1000, not the server's uid 0");
  EXPECT_EQ(unsafeDirectoryReason({Type::Regular, 1, 0, 0600, 0}, 0), "is a regular file");
  EXPECT_EQ(unsafeDirectoryReason({Type::Symlink, 1, 0, 0777, 0}, 0), "is a symbolic link");
}

}  // namespace
}  // namespace stele::store
