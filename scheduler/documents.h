// Desired-state documents as submitted: multi-document YAML (`---` separated) or JSON (one
// object, an array of objects, or {"items": [...]}), turned into JSON values with their index.
// Bounded: at most kMaxDocuments documents and kMaxNodes nodes in all (aliases count each time
// they are expanded), so a hostile file cannot blow up memory or time.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace stele::scheduler {

inline constexpr std::size_t kMaxDocuments = 256;
inline constexpr std::size_t kMaxNodes = 200'000;

enum class DocumentFormat { Yaml, Json };

struct Document {
  std::size_t index = 0;  // 0-based position in the submission
  nlohmann::json body;
};

// Errors are InvalidArgument with code "document_invalid" and say "document N: ...". YAML plain
// scalars become numbers, booleans or null where they read as such (YAML 1.2 core schema);
// quoted scalars stay strings. Duplicate keys are refused. Empty documents are skipped.
Result<std::vector<Document>> parseDocuments(std::string_view text, DocumentFormat format);

}  // namespace stele::scheduler
