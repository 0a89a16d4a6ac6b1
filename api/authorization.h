// Roles and what they may do: a pure table, tested exhaustively.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace stele::api {

enum class Role { Viewer, Pusher, Deployer, Admin };

enum class Permission {
  Public,     // no token needed (health)
  Read,       // any valid token
  PushImage,  // upload blobs, put manifests (scoped by name patterns)
  DeleteImage,
  Deploy,  // change desired state (scoped by name patterns)
  ManageKeys,
  ManageTokens,
  ManageHosts,
};

std::optional<Role> parseRole(std::string_view text);
std::string_view roleName(Role role);
bool roleAllows(Role role, Permission permission);

struct Principal {
  std::string tokenId;
  Role role = Role::Viewer;
  std::vector<std::string> namePatterns;  // "*" means every name
};

// PermissionDenied unless the role allows it and, when `name` is given, a pattern matches.
Result<void> authorize(const Principal& principal, Permission permission,
                       const std::optional<std::string>& name);

}  // namespace stele::api
