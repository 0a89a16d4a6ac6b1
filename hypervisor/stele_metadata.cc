#include "hypervisor/stele_metadata.h"

#include <charconv>
#include <map>
#include <string>

#include "hypervisor/spec_validation.h"

namespace stele::hypervisor {

namespace {

std::unexpected<Error> malformed(std::string message) {
  return fail(ErrorKind::InvalidArgument, "invalid_stele_metadata", std::move(message));
}

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::optional<std::string> unescape(std::string_view raw) {
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '&') {
      out += raw[i];
      continue;
    }
    std::size_t end = raw.find(';', i);
    if (end == std::string_view::npos) return std::nullopt;
    std::string_view entity = raw.substr(i + 1, end - i - 1);
    if (entity == "amp")
      out += '&';
    else if (entity == "lt")
      out += '<';
    else if (entity == "gt")
      out += '>';
    else if (entity == "apos")
      out += '\'';
    else if (entity == "quot")
      out += '"';
    else if (entity.starts_with('#')) {
      bool hex = entity.size() > 1 && (entity[1] == 'x' || entity[1] == 'X');
      std::string_view digits = entity.substr(hex ? 2 : 1);
      unsigned code = 0;
      auto [ptr, ec] =
          std::from_chars(digits.data(), digits.data() + digits.size(), code, hex ? 16 : 10);
      if (ec != std::errc() || ptr != digits.data() + digits.size() || code > 0x7f)
        return std::nullopt;
      out += static_cast<char>(code);
    } else {
      return std::nullopt;
    }
    i = end;
  }
  return out;
}

}  // namespace

Result<InstanceMetadata> parseSteleMetadata(std::string_view xml) {
  std::size_t pos = xml.find('<');
  while (pos != std::string_view::npos && pos + 1 < xml.size() &&
         (xml[pos + 1] == '?' || xml[pos + 1] == '!')) {
    pos = xml.find('<', pos + 1);
  }
  if (pos == std::string_view::npos) return malformed("no element");
  ++pos;
  std::size_t nameEnd = pos;
  while (nameEnd < xml.size() && !isSpace(xml[nameEnd]) && xml[nameEnd] != '/' &&
         xml[nameEnd] != '>')
    ++nameEnd;
  std::string_view name = xml.substr(pos, nameEnd - pos);
  if (std::size_t colon = name.find(':'); colon != std::string_view::npos)
    name = name.substr(colon + 1);
  if (name != "instance") return malformed("expected an <instance> element");

  std::map<std::string, std::string, std::less<>> attributes;
  pos = nameEnd;
  while (true) {
    while (pos < xml.size() && isSpace(xml[pos])) ++pos;
    if (pos >= xml.size()) return malformed("unterminated start tag");
    if (xml[pos] == '/' || xml[pos] == '>') break;
    std::size_t eq = xml.find('=', pos);
    if (eq == std::string_view::npos) return malformed("attribute without value");
    std::string_view key = xml.substr(pos, eq - pos);
    while (!key.empty() && isSpace(key.back())) key.remove_suffix(1);
    pos = eq + 1;
    while (pos < xml.size() && isSpace(xml[pos])) ++pos;
    if (pos >= xml.size() || (xml[pos] != '\'' && xml[pos] != '"'))
      return malformed("unquoted attribute");
    char quote = xml[pos];
    std::size_t close = xml.find(quote, pos + 1);
    if (close == std::string_view::npos) return malformed("unterminated attribute value");
    auto value = unescape(xml.substr(pos + 1, close - pos - 1));
    if (!value) return malformed("bad character reference in attribute " + std::string(key));
    attributes.emplace(std::string(key), std::move(*value));
    pos = close + 1;
  }

  auto get = [&](std::string_view key) -> std::string {
    auto it = attributes.find(key);
    return it == attributes.end() ? std::string() : it->second;
  };
  InstanceMetadata metadata{get("id"), get("deployment"), get("revision"), get("image-digest")};
  if (auto ok = validateInstanceMetadata(metadata); !ok) return malformed(ok.error().message);
  return metadata;
}

}  // namespace stele::hypervisor
