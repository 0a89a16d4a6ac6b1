#include "common/packet_headers.h"

#include <algorithm>
#include <optional>

namespace stele::services {

MacAddress loadMac(std::span<const std::uint8_t> data, std::size_t offset) {
  MacAddress mac;
  std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(offset), 6, mac.bytes.begin());
  return mac;
}

void storeMac(std::span<std::uint8_t> data, std::size_t offset, const MacAddress& mac) {
  std::copy(mac.bytes.begin(), mac.bytes.end(), data.begin() + static_cast<std::ptrdiff_t>(offset));
}

std::uint16_t internetChecksum(std::span<const std::uint8_t> data) {
  std::uint32_t sum = 0;
  std::size_t i = 0;
  for (; i + 1 < data.size(); i += 2)
    sum += static_cast<std::uint32_t>((data[i] << 8) | data[i + 1]);
  if (i < data.size()) sum += static_cast<std::uint32_t>(data[i] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

std::uint16_t etherType(std::span<const std::uint8_t> frame) {
  if (frame.size() < kEthernetHeaderSize) return 0;
  return load16(frame, 12);
}

std::optional<Ipv4View> parseIpv4(std::span<const std::uint8_t> frame, bool verifyChecksum) {
  if (etherType(frame) != kEtherTypeIpv4) return std::nullopt;
  if (frame.size() < kEthernetHeaderSize + kIpv4MinHeaderSize) return std::nullopt;
  Ipv4View ip;
  std::uint8_t versionAndLength = frame[kEthernetHeaderSize];
  if ((versionAndLength >> 4) != 4) return std::nullopt;
  ip.headerLength = std::size_t{versionAndLength & 0xfu} * 4;
  if (ip.headerLength < kIpv4MinHeaderSize) return std::nullopt;
  if (frame.size() < kEthernetHeaderSize + ip.headerLength) return std::nullopt;
  ip.totalLength = load16(frame, kEthernetHeaderSize + 2);
  // GSO frames carry a total length of the first segment or zero; only insist the
  // header fits inside it when the field is set.
  if (ip.totalLength != 0 && ip.totalLength < ip.headerLength) return std::nullopt;
  if (ip.totalLength > frame.size() - kEthernetHeaderSize) return std::nullopt;
  std::uint16_t fragment = load16(frame, kEthernetHeaderSize + 6);
  ip.isFragment = (fragment & 0x3fff) != 0;  // MF set or offset non-zero
  ip.isFirstFragment = (fragment & 0x1fff) == 0;
  ip.ttl = frame[kEthernetHeaderSize + 8];
  ip.protocol = frame[kEthernetHeaderSize + 9];
  ip.source = Ipv4Address{load32(frame, kEthernetHeaderSize + 12)};
  ip.destination = Ipv4Address{load32(frame, kEthernetHeaderSize + 16)};
  if (verifyChecksum && internetChecksum(frame.subspan(kEthernetHeaderSize, ip.headerLength)) != 0)
    return std::nullopt;
  return ip;
}

std::optional<TransportPorts> parsePorts(std::span<const std::uint8_t> frame, const Ipv4View& ip) {
  if (ip.protocol != kProtocolTcp && ip.protocol != kProtocolUdp) return std::nullopt;
  if (!ip.isFirstFragment) return std::nullopt;
  if (frame.size() < ip.payloadOffset() + 4) return std::nullopt;
  return TransportPorts{load16(frame, ip.payloadOffset()), load16(frame, ip.payloadOffset() + 2)};
}

Frame buildIcmpError(std::span<const std::uint8_t> offending, const Ipv4View& ip, std::uint8_t type,
                     std::uint8_t code, const MacAddress& sourceMac,
                     const MacAddress& destinationMac, Ipv4Address sourceAddress) {
  std::size_t available = offending.size() - ip.headerOffset;
  if (ip.totalLength != 0) available = std::min(available, ip.totalLength);
  std::size_t quoted = std::min(available, ip.headerLength + 8);
  std::size_t icmpLength = 8 + quoted;
  Frame frame;
  frame.bytes.assign(kEthernetHeaderSize + kIpv4MinHeaderSize + icmpLength, 0);
  std::span<std::uint8_t> out(frame.bytes);
  storeMac(out, 0, destinationMac);
  storeMac(out, 6, sourceMac);
  store16(out, 12, kEtherTypeIpv4);
  std::size_t ipAt = kEthernetHeaderSize;
  out[ipAt] = 0x45;
  store16(out, ipAt + 2, static_cast<std::uint16_t>(kIpv4MinHeaderSize + icmpLength));
  out[ipAt + 8] = 64;
  out[ipAt + 9] = kProtocolIcmp;
  store32(out, ipAt + 12, sourceAddress.value);
  store32(out, ipAt + 16, ip.source.value);
  store16(out, ipAt + 10, internetChecksum(out.subspan(ipAt, kIpv4MinHeaderSize)));
  std::size_t icmpAt = ipAt + kIpv4MinHeaderSize;
  out[icmpAt] = type;
  out[icmpAt + 1] = code;
  std::copy_n(offending.begin() + static_cast<std::ptrdiff_t>(ip.headerOffset), quoted,
              out.begin() + static_cast<std::ptrdiff_t>(icmpAt + 8));
  store16(out, icmpAt + 2, internetChecksum(out.subspan(icmpAt, icmpLength)));
  return frame;
}

Frame buildArp(std::uint16_t operation, const MacAddress& senderMac, Ipv4Address senderAddress,
               const MacAddress& targetMac, Ipv4Address targetAddress,
               const MacAddress& destinationMac) {
  Frame frame;
  frame.bytes.assign(kEthernetHeaderSize + kArpPacketSize, 0);
  std::span<std::uint8_t> out(frame.bytes);
  storeMac(out, 0, destinationMac);
  storeMac(out, 6, senderMac);
  store16(out, 12, kEtherTypeArp);
  std::size_t at = kEthernetHeaderSize;
  store16(out, at, 1);  // Ethernet
  store16(out, at + 2, kEtherTypeIpv4);
  out[at + 4] = 6;
  out[at + 5] = 4;
  store16(out, at + 6, operation);
  storeMac(out, at + 8, senderMac);
  store32(out, at + 14, senderAddress.value);
  storeMac(out, at + 18, targetMac);
  store32(out, at + 24, targetAddress.value);
  return frame;
}

}  // namespace stele::services
