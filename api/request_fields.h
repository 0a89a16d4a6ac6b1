// Typed reads of JSON request fields; every error names the field.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/http_types.h"
#include "common/error.h"

namespace stele::api {

Result<std::string> requiredString(const nlohmann::json& body, const std::string& field);
// Empty string when absent.
Result<std::string> optionalString(const nlohmann::json& body, const std::string& field);
// Empty list when absent.
Result<std::vector<std::string>> optionalStringList(const nlohmann::json& body,
                                                    const std::string& field);
// An RFC 3339 timestamp string, or absent/null.
Result<std::optional<std::int64_t>> optionalTime(const nlohmann::json& body,
                                                 const std::string& field);

// A query parameter from 0 to `max`, `fallback` when absent.
Result<std::int64_t> integerParam(const HttpRequest& request, const std::string& name,
                                  std::int64_t fallback, std::int64_t max);

}  // namespace stele::api
