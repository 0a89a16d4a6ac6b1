#include "images/naming.h"

#include <string>

namespace stele::images {
namespace {

bool isLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool isSeparator(char c) { return c == '.' || c == '_' || c == '-'; }

// Shows a user string in an error message without letting it break the message.
std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text.substr(0, 80)) {
    auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f && c != '"') ? std::string(1, c) : "?";
  }
  if (text.size() > 80) out += "...";
  return out + "\"";
}

bool isNumericIdentifier(std::string_view part) {
  if (part.empty()) return false;
  for (char c : part) {
    if (c < '0' || c > '9') return false;
  }
  return part.size() == 1 || part[0] != '0';
}

bool isIdentifierList(std::string_view text, bool forbidLeadingZeros) {
  if (text.empty()) return false;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t dot = text.find('.', start);
    std::string_view part = text.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (part.empty()) return false;
    bool numeric = true;
    for (char c : part) {
      bool ok =
          (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
      if (!ok) return false;
      if (c < '0' || c > '9') numeric = false;
    }
    if (forbidLeadingZeros && numeric && !isNumericIdentifier(part)) return false;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

}  // namespace

Result<void> validateImageName(std::string_view name) {
  bool ok =
      !name.empty() && name.size() <= 64 && isLowerAlnum(name.front()) && isLowerAlnum(name.back());
  for (std::size_t i = 0; ok && i < name.size(); ++i) {
    char c = name[i];
    if (isSeparator(c)) {
      ok = !isSeparator(name[i + 1]);  // back() is alnum, so i + 1 is in range
    } else {
      ok = isLowerAlnum(c);
    }
  }
  if (!ok) {
    return fail(ErrorKind::InvalidArgument, "name_invalid",
                "image name " + quoted(name) +
                    " is invalid: use 1-64 lowercase letters and digits, with single '.', '_' or "
                    "'-' between them");
  }
  return {};
}

Result<void> validateVersion(std::string_view version) {
  auto bad = [&] {
    return fail(
        ErrorKind::InvalidArgument, "version_invalid",
        "version " + quoted(version) + " is not a semantic version like 1.2.3 or 1.2.3-rc.1");
  };
  if (version.empty() || version.size() > 64) return bad();
  std::string_view core = version;
  std::string_view build;
  std::string_view pre;
  if (auto plus = core.find('+'); plus != std::string_view::npos) {
    build = core.substr(plus + 1);
    core = core.substr(0, plus);
    if (!isIdentifierList(build, false)) return bad();
  }
  if (auto dash = core.find('-'); dash != std::string_view::npos) {
    pre = core.substr(dash + 1);
    core = core.substr(0, dash);
    if (!isIdentifierList(pre, true)) return bad();
  }
  int parts = 0;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = core.find('.', start);
    std::string_view part = core.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (!isNumericIdentifier(part) || part.size() > 9) return bad();
    ++parts;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (parts != 3) return bad();
  return {};
}

Result<void> validateNamePattern(std::string_view pattern) {
  bool ok = !pattern.empty() && pattern.size() <= 64;
  for (char c : pattern) {
    ok = ok && (isLowerAlnum(c) || isSeparator(c) || c == '*' || c == '?');
  }
  if (!ok) {
    return fail(ErrorKind::InvalidArgument, "pattern_invalid",
                "name pattern " + quoted(pattern) +
                    " is invalid: use image-name characters and the wildcards '*' and '?'");
  }
  return {};
}

bool matchesPattern(std::string_view pattern, std::string_view name) {
  // Iterative glob with single-star backtracking: linear in practice, no recursion.
  std::size_t p = 0, n = 0, starP = std::string_view::npos, starN = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      starP = p++;
      starN = n;
    } else if (starP != std::string_view::npos) {
      p = starP + 1;
      n = ++starN;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace stele::images
