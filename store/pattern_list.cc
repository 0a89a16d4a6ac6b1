#include "store/pattern_list.h"

#include <sstream>

namespace stele::store {

std::string joinPatterns(const std::vector<std::string>& patterns) {
  std::string out;
  for (const auto& p : patterns) {
    if (!out.empty()) out.push_back('\n');
    out += p;
  }
  return out;
}

std::vector<std::string> splitPatterns(const std::string& column) {
  std::vector<std::string> out;
  std::istringstream in(column);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

}  // namespace stele::store
