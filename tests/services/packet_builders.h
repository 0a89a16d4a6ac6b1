// Builds Ethernet frames (ARP, IPv4 ICMP/TCP/UDP) for router and firewall unit tests.
#pragma once

#include <string>

#include "common/packet_headers.h"

namespace stele::services::testing {

inline MacAddress mac(const std::string& text) { return *parseMac(text); }
inline Ipv4Address ip(const std::string& text) { return *parseIpv4(text); }

// IPv4 frame with an 8-byte L4 header: ICMP type/code, or TCP/UDP ports; valid checksums.
inline Frame ipv4Frame(const MacAddress& source, const MacAddress& destination, Ipv4Address from,
                       Ipv4Address to, std::uint8_t protocol, std::uint8_t ttl, std::uint16_t a = 8,
                       std::uint16_t b = 0, std::size_t payload = 32) {
  Frame frame;
  std::size_t l4 = protocol == kProtocolTcp ? 20 : 8;
  frame.bytes.assign(kEthernetHeaderSize + 20 + l4 + payload, 0);
  std::span<std::uint8_t> out(frame.bytes);
  storeMac(out, 0, destination);
  storeMac(out, 6, source);
  store16(out, 12, kEtherTypeIpv4);
  out[14] = 0x45;
  store16(out, 16, static_cast<std::uint16_t>(20 + l4 + payload));
  out[22] = ttl;
  out[23] = protocol;
  store32(out, 26, from.value);
  store32(out, 30, to.value);
  store16(out, 24, internetChecksum(out.subspan(14, 20)));
  std::size_t at = 34;
  if (protocol == kProtocolIcmp) {
    out[at] = static_cast<std::uint8_t>(a);
    out[at + 1] = static_cast<std::uint8_t>(b);
    store16(out, at + 2, internetChecksum(out.subspan(at, 8 + payload)));
  } else {
    store16(out, at, a);
    store16(out, at + 2, b);
  }
  return frame;
}

inline Frame arpFrame(std::uint16_t operation, const MacAddress& senderMac, Ipv4Address sender,
                      const MacAddress& targetMac, Ipv4Address target,
                      const MacAddress& destination) {
  return buildArp(operation, senderMac, sender, targetMac, target, destination);
}

inline const MacAddress kBroadcast = MacAddress{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

}  // namespace stele::services::testing
