// Typed reads of one JSON object of a desired-state document, each error naming the document
// and the field path the way kubectl does: `document 1 (Deployment web): spec.replicas: must be
// an integer >= 0`.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace stele::scheduler {

// Where a document sits in the submission, for error messages.
struct DocumentRef {
  std::size_t index = 0;
  std::string kind;  // may be empty before kind is known
  std::string name;  // may be empty before metadata.name is known

  std::string describe() const;
};

std::unexpected<Error> fieldError(const DocumentRef& doc, const std::string& path,
                                  const std::string& reason,
                                  ErrorKind kind = ErrorKind::InvalidArgument,
                                  const std::string& code = "field_invalid");

// A field that refers to something that is not there or does not fit it: Unprocessable
// ("reference_invalid"), named like fieldError.
std::unexpected<Error> referenceError(const DocumentRef& doc, const std::string& path,
                                      const std::string& reason);

class FieldReader {
 public:
  // `value` must outlive the reader. A non-object value makes every read fail with the path.
  FieldReader(const DocumentRef& doc, const nlohmann::json& value, std::string path);

  // Refuses any key not in `allowed`, naming the first unknown one.
  Result<void> allowOnly(std::initializer_list<const char*> allowed) const;
  bool has(const std::string& key) const;
  std::string path(const std::string& key) const;

  Result<std::string> requiredString(const std::string& key) const;
  Result<std::optional<std::string>> optionalString(const std::string& key) const;
  Result<std::optional<std::int64_t>> optionalInteger(const std::string& key, std::int64_t min,
                                                      std::int64_t max) const;
  Result<std::optional<bool>> optionalBool(const std::string& key) const;
  // An object of string values (labels, annotations, selectors); empty when absent.
  Result<std::map<std::string, std::string>> stringMap(const std::string& key,
                                                       std::size_t maxEntries = 64) const;
  Result<std::vector<std::string>> stringList(const std::string& key,
                                              std::size_t maxItems = 1024) const;
  // A nested object (absent -> nullopt); wrong type -> error.
  Result<std::optional<FieldReader>> object(const std::string& key) const;
  // An array of objects; empty when absent.
  Result<std::vector<FieldReader>> objectList(const std::string& key,
                                              std::size_t maxItems = 64) const;
  const nlohmann::json* raw(const std::string& key) const;

  const DocumentRef& doc() const { return *doc_; }
  const std::string& basePath() const { return path_; }
  std::unexpected<Error> error(const std::string& key, const std::string& reason,
                               ErrorKind kind = ErrorKind::InvalidArgument) const;

 private:
  const DocumentRef* doc_;
  const nlohmann::json* value_;
  std::string path_;
};

}  // namespace stele::scheduler
