// IPv4/IPv6/MAC address values and their text forms. Pure; no I/O.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stele::services {

// An IPv4 address in host byte order.
struct Ipv4Address {
  std::uint32_t value = 0;
  auto operator<=>(const Ipv4Address&) const = default;
};

struct Ipv4Prefix {
  Ipv4Address network;  // host bits are zero
  int length = 0;       // 0..32

  bool contains(Ipv4Address address) const;
  auto operator<=>(const Ipv4Prefix&) const = default;
};

// An interface address: the address itself and the prefix of its subnet.
struct Ipv4InterfaceAddress {
  Ipv4Address address;
  int prefixLength = 0;

  Ipv4Prefix subnet() const;
};

struct MacAddress {
  std::array<std::uint8_t, 6> bytes{};
  auto operator<=>(const MacAddress&) const = default;
  bool isBroadcast() const;
  bool isMulticast() const { return (bytes[0] & 1) != 0; }
};

using Ipv6Address = std::array<std::uint8_t, 16>;

std::uint32_t prefixMask(int length);

std::optional<Ipv4Address> parseIpv4(std::string_view text);
// "a.b.c.d/len"; host bits must be zero when strict is true.
std::optional<Ipv4Prefix> parseIpv4Prefix(std::string_view text, bool strict = true);
// "a.b.c.d/len" with host bits allowed (an address on a subnet).
std::optional<Ipv4InterfaceAddress> parseIpv4InterfaceAddress(std::string_view text);
std::optional<Ipv6Address> parseIpv6(std::string_view text);
std::optional<MacAddress> parseMac(std::string_view text);
// Decimal integer in [min, max], no sign, no leading junk.
std::optional<std::uint64_t> parseUnsigned(std::string_view text, std::uint64_t min,
                                           std::uint64_t max);
// "HOST:PORT" where HOST is an IPv4 address; port 1..65535.
std::optional<std::pair<Ipv4Address, std::uint16_t>> parseIpv4Endpoint(std::string_view text);

std::string formatIpv4(Ipv4Address address);
std::string formatIpv4Prefix(Ipv4Prefix prefix);
std::string formatMac(const MacAddress& mac);

}  // namespace stele::services
