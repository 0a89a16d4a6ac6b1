#include "scheduler/field_reader.h"

namespace stele::scheduler {

std::string DocumentRef::describe() const {
  std::string out = "document " + std::to_string(index);
  if (!kind.empty()) out += " (" + kind + (name.empty() ? "" : " " + name) + ")";
  return out;
}

std::unexpected<Error> fieldError(const DocumentRef& doc, const std::string& path,
                                  const std::string& reason, ErrorKind kind,
                                  const std::string& code) {
  return fail(kind, code, doc.describe() + ": " + (path.empty() ? "" : path + ": ") + reason);
}

std::unexpected<Error> referenceError(const DocumentRef& doc, const std::string& path,
                                      const std::string& reason) {
  return fieldError(doc, path, reason, ErrorKind::Unprocessable, "reference_invalid");
}

FieldReader::FieldReader(const DocumentRef& doc, const nlohmann::json& value, std::string path)
    : doc_(&doc), value_(&value), path_(std::move(path)) {}

std::string FieldReader::path(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

std::unexpected<Error> FieldReader::error(const std::string& key, const std::string& reason,
                                          ErrorKind kind) const {
  return fieldError(*doc_, key.empty() ? path_ : path(key), reason, kind);
}

bool FieldReader::has(const std::string& key) const {
  return value_->is_object() && value_->contains(key) && !(*value_)[key].is_null();
}

const nlohmann::json* FieldReader::raw(const std::string& key) const {
  if (!has(key)) return nullptr;
  return &(*value_)[key];
}

Result<void> FieldReader::allowOnly(std::initializer_list<const char*> allowed) const {
  if (!value_->is_object()) return error("", "must be an object");
  for (const auto& [key, value] : value_->items()) {
    bool known = false;
    for (const char* name : allowed) known = known || key == name;
    if (!known) return error(key, "unknown field");
  }
  return {};
}

Result<std::string> FieldReader::requiredString(const std::string& key) const {
  auto value = optionalString(key);
  if (!value) return fail(value.error());
  if (!*value) return error(key, "is required");
  return **value;
}

Result<std::optional<std::string>> FieldReader::optionalString(const std::string& key) const {
  const auto* value = raw(key);
  if (value == nullptr) return std::optional<std::string>();
  if (!value->is_string()) return error(key, "must be a string");
  return value->get<std::string>();
}

Result<std::optional<std::int64_t>> FieldReader::optionalInteger(const std::string& key,
                                                                 std::int64_t min,
                                                                 std::int64_t max) const {
  const auto* value = raw(key);
  if (value == nullptr) return std::optional<std::int64_t>();
  std::string range =
      "must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (!value->is_number_integer()) return error(key, range);
  std::int64_t number = value->is_number_unsigned()
                            ? static_cast<std::int64_t>(
                                  std::min<std::uint64_t>(value->get<std::uint64_t>(), INT64_MAX))
                            : value->get<std::int64_t>();
  if (number < min || number > max) return error(key, range);
  return number;
}

Result<std::optional<bool>> FieldReader::optionalBool(const std::string& key) const {
  const auto* value = raw(key);
  if (value == nullptr) return std::optional<bool>();
  if (!value->is_boolean()) return error(key, "must be true or false");
  return value->get<bool>();
}

Result<std::map<std::string, std::string>> FieldReader::stringMap(const std::string& key,
                                                                  std::size_t maxEntries) const {
  std::map<std::string, std::string> out;
  const auto* value = raw(key);
  if (value == nullptr) return out;
  if (!value->is_object()) return error(key, "must be an object of strings");
  if (value->size() > maxEntries) {
    return error(key, "at most " + std::to_string(maxEntries) + " entries");
  }
  for (const auto& [name, item] : value->items()) {
    if (!item.is_string())
      return error(std::string(key).append(".").append(name), "must be a string");
    out[name] = item.get<std::string>();
  }
  return out;
}

Result<std::vector<std::string>> FieldReader::stringList(const std::string& key,
                                                         std::size_t maxItems) const {
  std::vector<std::string> out;
  const auto* value = raw(key);
  if (value == nullptr) return out;
  if (!value->is_array()) return error(key, "must be a list of strings");
  if (value->size() > maxItems) {
    return error(key, "at most " + std::to_string(maxItems) + " items");
  }
  for (std::size_t i = 0; i < value->size(); ++i) {
    if (!(*value)[i].is_string()) {
      return error(key + "[" + std::to_string(i) + "]", "must be a string");
    }
    out.push_back((*value)[i].get<std::string>());
  }
  return out;
}

Result<std::optional<FieldReader>> FieldReader::object(const std::string& key) const {
  const auto* value = raw(key);
  if (value == nullptr) return std::optional<FieldReader>();
  if (!value->is_object()) return error(key, "must be an object");
  return FieldReader(*doc_, *value, path(key));
}

Result<std::vector<FieldReader>> FieldReader::objectList(const std::string& key,
                                                         std::size_t maxItems) const {
  std::vector<FieldReader> out;
  const auto* value = raw(key);
  if (value == nullptr) return out;
  if (!value->is_array()) return error(key, "must be a list");
  if (value->size() > maxItems) {
    return error(key, "at most " + std::to_string(maxItems) + " items");
  }
  for (std::size_t i = 0; i < value->size(); ++i) {
    std::string itemPath = path(key) + "[" + std::to_string(i) + "]";
    if (!(*value)[i].is_object()) return fieldError(*doc_, itemPath, "must be an object");
    out.emplace_back(*doc_, (*value)[i], itemPath);
  }
  return out;
}

}  // namespace stele::scheduler
