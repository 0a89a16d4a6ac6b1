// Names, versions and name patterns: what is allowed, decided in one place.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace stele::images {

// Lowercase ASCII letters and digits, single '.', '_' or '-' between them, 1..64 chars.
// Never '/', "..", spaces or anything that could reach a path or a shell.
Result<void> validateImageName(std::string_view name);
// Semantic Versioning 2.0.0: MAJOR.MINOR.PATCH[-prerelease][+build], at most 64 chars.
Result<void> validateVersion(std::string_view version);
// A name pattern: image-name characters plus '*' (any run) and '?' (one char), 1..64 chars.
Result<void> validateNamePattern(std::string_view pattern);
bool matchesPattern(std::string_view pattern, std::string_view name);

}  // namespace stele::images
