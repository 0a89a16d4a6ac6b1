#include "api/authorization.h"

#include "images/naming.h"

namespace stele::api {

std::optional<Role> parseRole(std::string_view text) {
  if (text == "viewer") return Role::Viewer;
  if (text == "pusher") return Role::Pusher;
  if (text == "deployer") return Role::Deployer;
  if (text == "admin") return Role::Admin;
  return std::nullopt;
}

std::string_view roleName(Role role) {
  switch (role) {
    case Role::Viewer:
      return "viewer";
    case Role::Pusher:
      return "pusher";
    case Role::Deployer:
      return "deployer";
    case Role::Admin:
      return "admin";
  }
  return "viewer";
}

bool roleAllows(Role role, Permission permission) {
  switch (permission) {
    case Permission::Public:
    case Permission::Read:
      return true;
    case Permission::PushImage:
      return role == Role::Pusher || role == Role::Admin;
    case Permission::Deploy:
      return role == Role::Deployer || role == Role::Admin;
    case Permission::DeleteImage:
    case Permission::ManageKeys:
    case Permission::ManageTokens:
    case Permission::ManageHosts:
      return role == Role::Admin;
  }
  return false;
}

Result<void> authorize(const Principal& principal, Permission permission,
                       const std::optional<std::string>& name) {
  if (!roleAllows(principal.role, permission)) {
    return fail(ErrorKind::PermissionDenied, "forbidden",
                "a " + std::string(roleName(principal.role)) + " token may not do this");
  }
  if (name && permission != Permission::Read && permission != Permission::Public) {
    for (const auto& pattern : principal.namePatterns) {
      if (images::matchesPattern(pattern, *name)) return {};
    }
    return fail(
        ErrorKind::PermissionDenied, "name_not_allowed",
        "this token is limited to names matching its patterns; \"" + *name + "\" does not match");
  }
  return {};
}

}  // namespace stele::api
