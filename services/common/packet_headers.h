// Ethernet, ARP, IPv4 and ICMP layouts, byte-order helpers and the Internet checksum.
// Pure; no I/O. Frames are plain byte vectors; offsets below are from the frame start.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "common/net_address.h"

namespace stele::services {

inline constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr std::uint16_t kEtherTypeArp = 0x0806;
inline constexpr std::size_t kEthernetHeaderSize = 14;
inline constexpr std::size_t kArpPacketSize = 28;
inline constexpr std::size_t kIpv4MinHeaderSize = 20;
inline constexpr std::uint8_t kProtocolIcmp = 1;
inline constexpr std::uint8_t kProtocolTcp = 6;
inline constexpr std::uint8_t kProtocolUdp = 17;
inline constexpr std::uint8_t kIcmpEchoReply = 0;
inline constexpr std::uint8_t kIcmpDestinationUnreachable = 3;
inline constexpr std::uint8_t kIcmpEchoRequest = 8;
inline constexpr std::uint8_t kIcmpTimeExceeded = 11;
inline constexpr std::uint8_t kIcmpParameterProblem = 12;

// Offload metadata that travels with a frame (the kernel's virtio_net_hdr): a forwarded
// frame keeps it so segmentation and checksums are finished on transmit.
struct PacketOffload {
  std::uint8_t flags = 0;
  std::uint8_t gsoType = 0;
  std::uint16_t headerLength = 0;
  std::uint16_t gsoSize = 0;
  std::uint16_t checksumStart = 0;
  std::uint16_t checksumOffset = 0;
};

struct Frame {
  PacketOffload offload;
  std::vector<std::uint8_t> bytes;
};

inline std::uint16_t load16(std::span<const std::uint8_t> data, std::size_t offset) {
  return static_cast<std::uint16_t>((data[offset] << 8) | data[offset + 1]);
}
inline std::uint32_t load32(std::span<const std::uint8_t> data, std::size_t offset) {
  return (std::uint32_t{data[offset]} << 24) | (std::uint32_t{data[offset + 1]} << 16) |
         (std::uint32_t{data[offset + 2]} << 8) | data[offset + 3];
}
inline void store16(std::span<std::uint8_t> data, std::size_t offset, std::uint16_t value) {
  data[offset] = static_cast<std::uint8_t>(value >> 8);
  data[offset + 1] = static_cast<std::uint8_t>(value);
}
inline void store32(std::span<std::uint8_t> data, std::size_t offset, std::uint32_t value) {
  store16(data, offset, static_cast<std::uint16_t>(value >> 16));
  store16(data, offset + 2, static_cast<std::uint16_t>(value));
}

MacAddress loadMac(std::span<const std::uint8_t> data, std::size_t offset);
void storeMac(std::span<std::uint8_t> data, std::size_t offset, const MacAddress& mac);

std::uint16_t internetChecksum(std::span<const std::uint8_t> data);

// A validated view of an IPv4 packet inside an Ethernet frame.
struct Ipv4View {
  std::size_t headerOffset = kEthernetHeaderSize;
  std::size_t headerLength = 0;  // bytes, 20..60
  std::size_t totalLength = 0;   // from the header; may be less than the frame holds
  std::uint8_t ttl = 0;
  std::uint8_t protocol = 0;
  Ipv4Address source;
  Ipv4Address destination;
  bool isFragment = false;      // any fragment
  bool isFirstFragment = true;  // offset zero
  std::size_t payloadOffset() const { return headerOffset + headerLength; }
};

std::uint16_t etherType(std::span<const std::uint8_t> frame);
// Parses the IPv4 header of an Ethernet frame; nullopt when malformed (bad version,
// header length, total length, or header checksum when verifyChecksum is set).
std::optional<Ipv4View> parseIpv4(std::span<const std::uint8_t> frame, bool verifyChecksum);

// Transport ports of a first fragment of TCP or UDP, when present.
struct TransportPorts {
  std::uint16_t source = 0;
  std::uint16_t destination = 0;
};
std::optional<TransportPorts> parsePorts(std::span<const std::uint8_t> frame, const Ipv4View& ip);

// Writes an Ethernet + IPv4 + ICMP error (type/code) quoting the offending IPv4 packet's
// header and first 8 payload bytes.
Frame buildIcmpError(std::span<const std::uint8_t> offending, const Ipv4View& ip, std::uint8_t type,
                     std::uint8_t code, const MacAddress& sourceMac,
                     const MacAddress& destinationMac, Ipv4Address sourceAddress);

Frame buildArp(std::uint16_t operation, const MacAddress& senderMac, Ipv4Address senderAddress,
               const MacAddress& targetMac, Ipv4Address targetAddress,
               const MacAddress& destinationMac);

}  // namespace stele::services
