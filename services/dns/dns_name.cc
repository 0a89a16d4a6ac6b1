#include "dns/dns_name.h"

namespace stele::services::dns {

std::string rootName() { return std::string(1, '\0'); }

std::optional<std::string> nameFromText(std::string_view text) {
  if (text == ".") return rootName();
  if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  std::string wire;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t dot = text.find('.', start);
    if (dot == std::string_view::npos) dot = text.size();
    std::string_view label = text.substr(start, dot - start);
    if (label.empty() || label.size() > kMaxLabelLength) return std::nullopt;
    for (char c : label) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_';
      if (!ok) return std::nullopt;
    }
    wire.push_back(static_cast<char>(label.size()));
    wire.append(label);
    start = dot + 1;
  }
  wire.push_back('\0');
  if (wire.size() > kMaxNameLength) return std::nullopt;
  return wire;
}

std::string nameToText(std::string_view wire) {
  if (wire.size() <= 1) return ".";
  std::string text;
  std::size_t i = 0;
  while (i < wire.size()) {
    auto length = static_cast<unsigned char>(wire[i]);
    if (length == 0) break;
    for (std::size_t j = 1; j <= length && i + j < wire.size(); ++j) {
      unsigned char c = static_cast<unsigned char>(wire[i + j]);
      if (c == '.' || c == '\\' || c <= 0x20 || c >= 0x7f) {
        static constexpr char kDigits[] = "0123456789";
        text.push_back('\\');
        text.push_back(kDigits[c / 100]);
        text.push_back(kDigits[(c / 10) % 10]);
        text.push_back(kDigits[c % 10]);
      } else {
        text.push_back(static_cast<char>(c));
      }
    }
    text.push_back('.');
    i += length + 1u;
  }
  return text;
}

std::string lowercaseName(std::string_view wire) {
  std::string out(wire);
  // Length bytes are at most 63, below 'A', so lowercasing every byte is safe.
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string_view parentName(std::string_view wire) {
  if (wire.size() <= 1) return wire;
  std::size_t skip = static_cast<unsigned char>(wire[0]) + 1u;
  if (skip >= wire.size()) return wire.substr(wire.size() - 1);
  return wire.substr(skip);
}

bool isSubdomain(std::string_view name, std::string_view ancestor) {
  while (true) {
    if (name.size() == ancestor.size()) return name == ancestor;
    if (name.size() < ancestor.size() || name.size() <= 1) return false;
    name = parentName(name);
  }
}

int labelCount(std::string_view wire) {
  int count = 0;
  while (wire.size() > 1) {
    ++count;
    wire = parentName(wire);
  }
  return count;
}

}  // namespace stele::services::dns
