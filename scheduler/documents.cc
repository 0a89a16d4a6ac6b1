#include "scheduler/documents.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <regex>
#include <set>

#include "common/encoding.h"
#include "images/strict_json.h"

namespace stele::scheduler {
namespace {

std::unexpected<Error> invalid(std::size_t index, const std::string& reason) {
  return fail(ErrorKind::InvalidArgument, "document_invalid",
              "document " + std::to_string(index) + ": " + reason);
}

// YAML 1.2 core schema for plain scalars.
nlohmann::json plainScalar(const std::string& text) {
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return nullptr;
  }
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  static const std::regex integer("[-+]?[0-9]+");
  if (std::regex_match(text, integer)) {
    std::int64_t value = 0;
    const char* begin = text.data() + (text[0] == '+' ? 1 : 0);
    auto [end, ec] = std::from_chars(begin, text.data() + text.size(), value);
    if (ec == std::errc() && end == text.data() + text.size()) return value;
    return text;  // out of range: leave it a string, the field check will say why
  }
  static const std::regex decimal("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  if (std::regex_match(text, decimal)) return std::stod(text);
  return text;
}

class YamlConverter {
 public:
  explicit YamlConverter(std::size_t index) : index_(index) {}

  Result<nlohmann::json> convert(const YAML::Node& node, const std::string& path, int depth) {
    if (++nodes_ > kMaxNodes) return invalid(index_, "too many nodes (aliases included)");
    if (depth > 32) return invalid(index_, path + ": nested too deeply");
    switch (node.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        return nullptr;
      case YAML::NodeType::Scalar:
        if (node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str") return node.Scalar();
        if (node.Tag() != "?")
          return invalid(index_, path + ": tag " + node.Tag() + " not allowed");
        return plainScalar(node.Scalar());
      case YAML::NodeType::Sequence: {
        nlohmann::json out = nlohmann::json::array();
        std::size_t i = 0;
        for (const auto& item : node) {
          auto value = convert(item, path + "[" + std::to_string(i++) + "]", depth + 1);
          if (!value) return value;
          out.push_back(std::move(*value));
        }
        return out;
      }
      case YAML::NodeType::Map: {
        nlohmann::json out = nlohmann::json::object();
        for (const auto& pair : node) {
          if (!pair.first.IsScalar()) return invalid(index_, path + ": keys must be strings");
          std::string key = pair.first.Scalar();
          std::string child = path;
          if (!child.empty()) child += ".";
          child += key;
          if (out.contains(key)) return invalid(index_, child + ": duplicate key");
          auto value = convert(pair.second, child, depth + 1);
          if (!value) return value;
          out[key] = std::move(*value);
        }
        return out;
      }
    }
    return nullptr;
  }

  std::size_t nodes() const { return nodes_; }

 private:
  std::size_t index_;
  std::size_t nodes_ = 0;
};

Result<std::vector<Document>> parseYaml(std::string_view text) {
  if (!isValidUtf8(text)) return invalid(0, "not valid UTF-8");
  std::vector<YAML::Node> nodes;
  try {
    nodes = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    // e.mark.line is 0-based; the message names line and column without quoting the input.
    return fail(ErrorKind::InvalidArgument, "document_invalid",
                "YAML syntax error at line " + std::to_string(e.mark.line + 1) + ", column " +
                    std::to_string(e.mark.column + 1) + ": " + e.msg);
  } catch (const std::exception&) {
    return fail(ErrorKind::InvalidArgument, "document_invalid", "YAML could not be read");
  }
  if (nodes.size() > kMaxDocuments) {
    return invalid(kMaxDocuments, "at most " + std::to_string(kMaxDocuments) + " documents");
  }
  std::vector<Document> out;
  std::size_t budget = 0;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].IsNull()) continue;
    YamlConverter converter(i);
    auto body = converter.convert(nodes[i], "", 0);
    if (!body) return fail(body.error());
    budget += converter.nodes();
    if (budget > kMaxNodes) return invalid(i, "too many nodes in the submission");
    out.push_back({i, std::move(*body)});
  }
  return out;
}

Result<std::vector<Document>> parseJson(std::string_view text) {
  auto parsed = images::parseStrictJson(text, "request body", 34);
  if (!parsed) return fail(ErrorKind::InvalidArgument, "document_invalid", parsed.error().message);
  nlohmann::json items;
  if (parsed->is_array()) {
    items = std::move(*parsed);
  } else if (parsed->is_object() && parsed->contains("items") && parsed->size() == 1) {
    items = (*parsed)["items"];
  } else {
    items = nlohmann::json::array({std::move(*parsed)});
  }
  if (!items.is_array()) return invalid(0, "items: must be an array of documents");
  if (items.size() > kMaxDocuments) {
    return invalid(kMaxDocuments, "at most " + std::to_string(kMaxDocuments) + " documents");
  }
  std::vector<Document> out;
  for (std::size_t i = 0; i < items.size(); ++i) out.push_back({i, std::move(items[i])});
  return out;
}

}  // namespace

Result<std::vector<Document>> parseDocuments(std::string_view text, DocumentFormat format) {
  auto documents = format == DocumentFormat::Yaml ? parseYaml(text) : parseJson(text);
  if (!documents) return documents;
  if (documents->empty()) {
    return fail(ErrorKind::InvalidArgument, "document_invalid", "no documents submitted");
  }
  return documents;
}

}  // namespace stele::scheduler
