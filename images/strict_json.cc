#include "images/strict_json.h"

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "common/encoding.h"

namespace stele::images {
namespace {

struct Rejected {
  std::string reason;
};

}  // namespace

Result<nlohmann::json> parseStrictJson(std::string_view text, std::string_view what, int maxDepth) {
  if (!isValidUtf8(text)) {
    return fail(ErrorKind::InvalidArgument, "invalid_utf8",
                std::string(what) + " is not valid UTF-8");
  }
  std::vector<std::set<std::string>> keys;
  auto callback = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    if (depth > maxDepth) throw Rejected{"nesting deeper than " + std::to_string(maxDepth)};
    if (event == Event::object_start) keys.emplace_back();
    if (event == Event::object_end && !keys.empty()) keys.pop_back();
    if (event == Event::key && !keys.empty()) {
      std::string key = parsed.get<std::string>();
      if (!keys.back().insert(key).second) throw Rejected{"duplicate key \"" + key + "\""};
    }
    return true;
  };
  try {
    return nlohmann::json::parse(text.begin(), text.end(), callback);
  } catch (const Rejected& r) {
    return fail(ErrorKind::InvalidArgument, "invalid_json", std::string(what) + ": " + r.reason);
  } catch (const nlohmann::json::exception& e) {
    return fail(ErrorKind::InvalidArgument, "invalid_json",
                std::string(what) + " is not valid JSON: " + e.what());
  }
}

}  // namespace stele::images
