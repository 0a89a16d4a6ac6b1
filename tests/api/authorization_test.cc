#include "api/authorization.h"

#include <gtest/gtest.h>

namespace stele::api {
namespace {

TEST(Authorization, RoleTableIsLeastPrivilege) {
  struct Row {
    Permission permission;
    bool viewer, pusher, deployer, admin;
  };
  const Row table[] = {
      {Permission::Public, true, true, true, true},
      {Permission::Read, true, true, true, true},
      {Permission::PushImage, false, true, false, true},
      {Permission::Deploy, false, false, true, true},
      {Permission::DeleteImage, false, false, false, true},
      {Permission::ManageKeys, false, false, false, true},
      {Permission::ManageTokens, false, false, false, true},
      {Permission::ManageHosts, false, false, false, true},
  };
  for (const auto& row : table) {
    EXPECT_EQ(roleAllows(Role::Viewer, row.permission), row.viewer);
    EXPECT_EQ(roleAllows(Role::Pusher, row.permission), row.pusher);
    EXPECT_EQ(roleAllows(Role::Deployer, row.permission), row.deployer);
    EXPECT_EQ(roleAllows(Role::Admin, row.permission), row.admin);
  }
}

TEST(Authorization, NamePatternsScopeWritesButNotReads) {
  Principal pusher{"t", Role::Pusher, {"web*"}};
  EXPECT_TRUE(authorize(pusher, Permission::PushImage, std::string("web-edge")).has_value());
  auto denied = authorize(pusher, Permission::PushImage, std::string("dns"));
  ASSERT_FALSE(denied.has_value());
  EXPECT_EQ(denied.error().code, "name_not_allowed");
  EXPECT_TRUE(authorize(pusher, Permission::Read, std::string("dns")).has_value());
  EXPECT_EQ(authorize(pusher, Permission::ManageKeys, std::nullopt).error().code, "forbidden");
}

TEST(Authorization, RolesParseFromTheirNamesOnly) {
  EXPECT_EQ(parseRole("admin"), Role::Admin);
  EXPECT_EQ(parseRole("pusher"), Role::Pusher);
  EXPECT_FALSE(parseRole("Admin").has_value());
  EXPECT_FALSE(parseRole("root").has_value());
  EXPECT_EQ(roleName(Role::Deployer), "deployer");
}

}  // namespace
}  // namespace stele::api
