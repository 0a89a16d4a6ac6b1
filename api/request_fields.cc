#include "api/request_fields.h"

#include "common/time_format.h"

namespace stele::api {
namespace {

std::unexpected<Error> badField(const std::string& field, const std::string& reason) {
  return fail(ErrorKind::InvalidArgument, "field_invalid", field + ": " + reason);
}

}  // namespace

Result<std::string> requiredString(const nlohmann::json& body, const std::string& field) {
  auto it = body.find(field);
  if (it == body.end()) return badField(field, "is required");
  if (!it->is_string()) return badField(field, "must be a string");
  return it->get<std::string>();
}

Result<std::string> optionalString(const nlohmann::json& body, const std::string& field) {
  if (!body.contains(field)) return std::string();
  return requiredString(body, field);
}

Result<std::vector<std::string>> optionalStringList(const nlohmann::json& body,
                                                    const std::string& field) {
  std::vector<std::string> out;
  auto it = body.find(field);
  if (it == body.end()) return out;
  if (!it->is_array() || it->size() > 64) {
    return badField(field, "must be an array of at most 64 strings");
  }
  for (const auto& item : *it) {
    if (!item.is_string()) return badField(field, "must contain only strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

Result<std::optional<std::int64_t>> optionalTime(const nlohmann::json& body,
                                                 const std::string& field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::optional<std::int64_t>{};
  if (!it->is_string())
    return badField(field, "must be an RFC 3339 time like 2027-01-31T00:00:00Z");
  auto t = parseRfc3339(it->get<std::string>());
  if (!t) return badField(field, "must be an RFC 3339 time like 2027-01-31T00:00:00Z");
  return std::optional<std::int64_t>(*t);
}

Result<std::int64_t> integerParam(const HttpRequest& request, const std::string& name,
                                  std::int64_t fallback, std::int64_t max) {
  auto text = request.queryParam(name);
  if (!text) return fallback;
  char* end = nullptr;
  long long value = std::strtoll(text->c_str(), &end, 10);
  if (text->empty() || *end != '\0' || value < 0 || value > max) {
    return fail(ErrorKind::InvalidArgument, "field_invalid",
                name + ": must be an integer from 0 to " + std::to_string(max));
  }
  return value;
}

}  // namespace stele::api
