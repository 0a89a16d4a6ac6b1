// IPv4 addresses and prefixes as numbers: parse, format, containment, ranges. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stele::scheduler {

struct Ipv4Prefix {
  std::uint32_t network = 0;  // host bits zero
  int length = 0;             // 0..32

  bool contains(std::uint32_t address) const;
  std::uint32_t broadcast() const;
  std::string text() const;  // "10.0.0.0/24"
  friend bool operator==(const Ipv4Prefix&, const Ipv4Prefix&) = default;
};

// Strict dotted quad: four decimal octets 0-255, no leading zeros, nothing else.
std::optional<std::uint32_t> parseIpv4(std::string_view text);
std::string formatIpv4(std::uint32_t address);
// "A.B.C.D/N" with host bits zero (anything else is refused, not masked).
std::optional<Ipv4Prefix> parseIpv4Prefix(std::string_view text);

}  // namespace stele::scheduler
