#include "scheduler/ipv4.h"

#include <charconv>

namespace stele::scheduler {
namespace {

std::uint32_t maskOf(int length) { return length == 0 ? 0u : ~std::uint32_t{0} << (32 - length); }

}  // namespace

bool Ipv4Prefix::contains(std::uint32_t address) const {
  return (address & maskOf(length)) == network;
}

std::uint32_t Ipv4Prefix::broadcast() const { return network | ~maskOf(length); }

std::string Ipv4Prefix::text() const { return formatIpv4(network) + "/" + std::to_string(length); }

std::optional<std::uint32_t> parseIpv4(std::string_view text) {
  std::uint32_t out = 0;
  std::size_t pos = 0;
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (pos >= text.size() || text[pos] != '.') return std::nullopt;
      ++pos;
    }
    std::size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && pos - start < 4) ++pos;
    std::size_t digits = pos - start;
    if (digits == 0 || digits > 3 || (digits > 1 && text[start] == '0')) return std::nullopt;
    unsigned value = 0;
    std::from_chars(text.data() + start, text.data() + pos, value);
    if (value > 255) return std::nullopt;
    out = (out << 8) | value;
  }
  if (pos != text.size()) return std::nullopt;
  return out;
}

std::string formatIpv4(std::uint32_t address) {
  return std::to_string(address >> 24) + "." + std::to_string((address >> 16) & 0xff) + "." +
         std::to_string((address >> 8) & 0xff) + "." + std::to_string(address & 0xff);
}

std::optional<Ipv4Prefix> parseIpv4Prefix(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto address = parseIpv4(text.substr(0, slash));
  std::string_view lengthText = text.substr(slash + 1);
  if (!address || lengthText.empty() || lengthText.size() > 2 ||
      (lengthText.size() == 2 && lengthText[0] == '0')) {
    return std::nullopt;
  }
  int length = 0;
  auto [end, ec] =
      std::from_chars(lengthText.data(), lengthText.data() + lengthText.size(), length);
  if (ec != std::errc() || end != lengthText.data() + lengthText.size() || length > 32) {
    return std::nullopt;
  }
  if ((*address & ~maskOf(length)) != 0) return std::nullopt;
  return Ipv4Prefix{*address, length};
}

}  // namespace stele::scheduler
