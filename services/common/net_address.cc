#include "common/net_address.h"

#include <arpa/inet.h>

#include <charconv>

namespace stele::services {

std::uint32_t prefixMask(int length) {
  if (length <= 0) return 0;
  if (length >= 32) return 0xffffffffu;
  return ~((1u << (32 - length)) - 1);
}

bool Ipv4Prefix::contains(Ipv4Address address) const {
  return (address.value & prefixMask(length)) == network.value;
}

Ipv4Prefix Ipv4InterfaceAddress::subnet() const {
  return Ipv4Prefix{Ipv4Address{address.value & prefixMask(prefixLength)}, prefixLength};
}

bool MacAddress::isBroadcast() const {
  for (auto b : bytes)
    if (b != 0xff) return false;
  return true;
}

std::optional<std::uint64_t> parseUnsigned(std::string_view text, std::uint64_t min,
                                           std::uint64_t max) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (value < min || value > max) return std::nullopt;
  return value;
}

std::optional<Ipv4Address> parseIpv4(std::string_view text) {
  std::uint32_t value = 0;
  int parts = 0;
  std::size_t i = 0;
  while (parts < 4) {
    std::size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    std::string_view digits = text.substr(start, i - start);
    if (digits.empty() || digits.size() > 3 || (digits.size() > 1 && digits[0] == '0'))
      return std::nullopt;
    auto octet = parseUnsigned(digits, 0, 255);
    if (!octet) return std::nullopt;
    value = (value << 8) | static_cast<std::uint32_t>(*octet);
    ++parts;
    if (parts < 4) {
      if (i >= text.size() || text[i] != '.') return std::nullopt;
      ++i;
    }
  }
  if (i != text.size()) return std::nullopt;
  return Ipv4Address{value};
}

std::optional<Ipv4InterfaceAddress> parseIpv4InterfaceAddress(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto address = parseIpv4(text.substr(0, slash));
  auto length = parseUnsigned(text.substr(slash + 1), 0, 32);
  if (!address || !length) return std::nullopt;
  return Ipv4InterfaceAddress{*address, static_cast<int>(*length)};
}

std::optional<Ipv4Prefix> parseIpv4Prefix(std::string_view text, bool strict) {
  if (text == "default") return Ipv4Prefix{};
  auto parsed = parseIpv4InterfaceAddress(text);
  if (!parsed) {
    // A bare address means a /32.
    auto host = parseIpv4(text);
    if (!host) return std::nullopt;
    return Ipv4Prefix{*host, 32};
  }
  Ipv4Prefix prefix = parsed->subnet();
  if (strict && prefix.network != parsed->address) return std::nullopt;
  return prefix;
}

std::optional<Ipv6Address> parseIpv6(std::string_view text) {
  if (text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  std::string copy(text);
  Ipv6Address out{};
  if (inet_pton(AF_INET6, copy.c_str(), out.data()) != 1) return std::nullopt;
  return out;
}

std::optional<MacAddress> parseMac(std::string_view text) {
  if (text.size() != 17) return std::nullopt;
  MacAddress mac;
  for (int i = 0; i < 6; ++i) {
    if (i > 0 && text[i * 3 - 1] != ':') return std::nullopt;
    unsigned value = 0;
    auto part = text.substr(static_cast<std::size_t>(i) * 3, 2);
    auto [end, ec] = std::from_chars(part.data(), part.data() + 2, value, 16);
    if (ec != std::errc() || end != part.data() + 2) return std::nullopt;
    mac.bytes[i] = static_cast<std::uint8_t>(value);
  }
  return mac;
}

std::optional<std::pair<Ipv4Address, std::uint16_t>> parseIpv4Endpoint(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto address = parseIpv4(text.substr(0, colon));
  auto port = parseUnsigned(text.substr(colon + 1), 1, 65535);
  if (!address || !port) return std::nullopt;
  return std::pair{*address, static_cast<std::uint16_t>(*port)};
}

std::string formatIpv4(Ipv4Address address) {
  std::uint32_t v = address.value;
  return std::to_string(v >> 24) + "." + std::to_string((v >> 16) & 0xff) + "." +
         std::to_string((v >> 8) & 0xff) + "." + std::to_string(v & 0xff);
}

std::string formatIpv4Prefix(Ipv4Prefix prefix) {
  return formatIpv4(prefix.network) + "/" + std::to_string(prefix.length);
}

std::string formatMac(const MacAddress& mac) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 6; ++i) {
    if (i) out.push_back(':');
    out.push_back(kHex[mac.bytes[i] >> 4]);
    out.push_back(kHex[mac.bytes[i] & 15]);
  }
  return out;
}

}  // namespace stele::services
