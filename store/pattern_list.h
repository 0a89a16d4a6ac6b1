// Name-pattern lists are stored as one text column, one pattern a line.
#pragma once

#include <string>
#include <vector>

namespace stele::store {

std::string joinPatterns(const std::vector<std::string>& patterns);
std::vector<std::string> splitPatterns(const std::string& column);

}  // namespace stele::store
