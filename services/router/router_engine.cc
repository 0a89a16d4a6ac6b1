#include "router/router_engine.h"

#include <algorithm>

namespace stele::services::router {

namespace {

constexpr MacAddress kBroadcastMac{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
constexpr std::uint16_t kArpRequest = 1;
constexpr std::uint16_t kArpReply = 2;

bool inPrefix(Ipv4Address address, std::uint32_t network, int length) {
  return Ipv4Prefix{Ipv4Address{network}, length}.contains(address);
}

void setMacs(Frame& frame, const MacAddress& source, const MacAddress& destination) {
  std::span<std::uint8_t> bytes(frame.bytes);
  storeMac(bytes, 0, destination);
  storeMac(bytes, 6, source);
}

}  // namespace

bool isMartianSource(Ipv4Address a) {
  return inPrefix(a, 0x00000000, 8) || inPrefix(a, 0x7f000000, 8) || inPrefix(a, 0xe0000000, 4) ||
         inPrefix(a, 0xf0000000, 4);
}

bool isMartianDestination(Ipv4Address a) {
  return inPrefix(a, 0x00000000, 8) || inPrefix(a, 0x7f000000, 8) || inPrefix(a, 0xe0000000, 4) ||
         inPrefix(a, 0xf0000000, 4);
}

RouterEngine::RouterEngine(std::vector<RouterPortIdentity> ports, RouteTable routes)
    : ports_(std::move(ports)), routes_(std::move(routes)) {}

bool RouterEngine::isOwnAddress(Ipv4Address address) const {
  return std::any_of(ports_.begin(), ports_.end(),
                     [&](const RouterPortIdentity& p) { return p.address.address == address; });
}

std::vector<OutboundFrame> RouterEngine::handleFrame(std::size_t port, Frame frame,
                                                     bool addressedToUs, TimePoint now) {
  std::vector<OutboundFrame> out;
  if (port >= ports_.size() || frame.bytes.size() < kEthernetHeaderSize) return out;
  MacAddress destination = loadMac(frame.bytes, 0);
  bool forUs = destination == ports_[port].mac || destination.isBroadcast();
  if (!forUs || !addressedToUs) {
    // A frame for another host (or multicast): a router ignores it.
    if (!destination.isBroadcast()) return out;
  }
  switch (etherType(frame.bytes)) {
    case kEtherTypeArp:
      handleArp(port, frame, now, out);
      break;
    case kEtherTypeIpv4:
      if (!destination.isBroadcast()) handleIpv4(port, std::move(frame), now, out);
      break;
    default:
      break;
  }
  return out;
}

void RouterEngine::handleArp(std::size_t port, const Frame& frame, TimePoint now,
                             std::vector<OutboundFrame>& out) {
  std::span<const std::uint8_t> bytes(frame.bytes);
  if (bytes.size() < kEthernetHeaderSize + kArpPacketSize) return;
  std::size_t at = kEthernetHeaderSize;
  if (load16(bytes, at) != 1 || load16(bytes, at + 2) != kEtherTypeIpv4 || bytes[at + 4] != 6 ||
      bytes[at + 5] != 4)
    return;
  std::uint16_t operation = load16(bytes, at + 6);
  MacAddress senderMac = loadMac(bytes, at + 8);
  Ipv4Address senderAddress{load32(bytes, at + 14)};
  Ipv4Address targetAddress{load32(bytes, at + 24)};
  const RouterPortIdentity& self = ports_[port];
  if (senderMac.isMulticast() || senderAddress.value == 0) return;
  bool forOurAddress = targetAddress == self.address.address;
  bool senderOnLink = self.address.subnet().contains(senderAddress) && !isOwnAddress(senderAddress);
  if (senderOnLink) learn(port, senderAddress, senderMac, forOurAddress, now, out);
  if (operation == kArpRequest && forOurAddress)
    out.push_back(OutboundFrame{port, buildArp(kArpReply, self.mac, self.address.address, senderMac,
                                               senderAddress, senderMac)});
}

void RouterEngine::learn(std::size_t port, Ipv4Address address, const MacAddress& mac, bool create,
                         TimePoint now, std::vector<OutboundFrame>& out) {
  NextHopKey key{port, address.value};
  auto it = neighbors_.find(key);
  if (it == neighbors_.end()) {
    if (!create) return;
    it = neighbors_.emplace(key, Neighbor{}).first;
  }
  Neighbor& neighbor = it->second;
  neighbor.resolved = true;
  neighbor.mac = mac;
  neighbor.expires = now + kArpEntryLifetime;
  neighbor.attempts = 0;
  while (!neighbor.waiting.empty()) {
    Frame waiting = std::move(neighbor.waiting.front());
    neighbor.waiting.pop_front();
    setMacs(waiting, ports_[port].mac, mac);
    out.push_back(OutboundFrame{port, std::move(waiting)});
  }
}

void RouterEngine::handleIpv4(std::size_t port, Frame frame, TimePoint now,
                              std::vector<OutboundFrame>& out) {
  auto ip = parseIpv4(frame.bytes, /*verifyChecksum=*/true);
  if (!ip) {
    ++counters_.dropped;
    return;
  }
  if (isMartianSource(ip->source) || isMartianDestination(ip->destination) ||
      isOwnAddress(ip->source) || ip->source.value == 0xffffffffu) {
    ++counters_.martians;
    return;
  }
  if (isOwnAddress(ip->destination)) {
    deliverLocally(port, std::move(frame), *ip, now, out);
    return;
  }
  if (ip->ttl <= 1) {
    ++counters_.timeExceeded;
    sendIcmpError(port, frame, *ip, kIcmpTimeExceeded, 0, now, out);
    return;
  }
  auto route = routes_.lookup(ip->destination);
  if (!route) {
    ++counters_.unreachable;
    sendIcmpError(port, frame, *ip, kIcmpDestinationUnreachable, 0, now, out);
    return;
  }
  std::span<std::uint8_t> bytes(frame.bytes);
  bytes[ip->headerOffset + 8] = static_cast<std::uint8_t>(ip->ttl - 1);
  store16(bytes, ip->headerOffset + 10, 0);
  store16(bytes, ip->headerOffset + 10,
          internetChecksum(bytes.subspan(ip->headerOffset, ip->headerLength)));
  ++counters_.forwarded;
  transmitTo(route->port, route->gateway.value_or(ip->destination), std::move(frame), now, out);
}

void RouterEngine::deliverLocally(std::size_t port, Frame frame, const Ipv4View& ip, TimePoint now,
                                  std::vector<OutboundFrame>& out) {
  std::span<std::uint8_t> bytes(frame.bytes);
  std::size_t icmpAt = ip.payloadOffset();
  std::size_t end = ip.headerOffset + ip.totalLength;
  if (ip.protocol != kProtocolIcmp || ip.isFragment || ip.totalLength == 0 || end < icmpAt + 8 ||
      bytes[icmpAt] != kIcmpEchoRequest)
    return;
  if (internetChecksum(bytes.subspan(icmpAt, end - icmpAt)) != 0) return;
  // Turn the request into its reply in place: swap addresses, change the type.
  frame.bytes.resize(end);
  frame.offload = {};
  bytes = std::span<std::uint8_t>(frame.bytes);
  store32(bytes, ip.headerOffset + 12, ip.destination.value);
  store32(bytes, ip.headerOffset + 16, ip.source.value);
  bytes[ip.headerOffset + 8] = 64;
  store16(bytes, ip.headerOffset + 10, 0);
  store16(bytes, ip.headerOffset + 10,
          internetChecksum(bytes.subspan(ip.headerOffset, ip.headerLength)));
  bytes[icmpAt] = kIcmpEchoReply;
  store16(bytes, icmpAt + 2, 0);
  store16(bytes, icmpAt + 2, internetChecksum(bytes.subspan(icmpAt, end - icmpAt)));
  routeOut(std::move(frame), ip.source, now, out, port);
}

void RouterEngine::sendIcmpError(std::size_t inPort, const Frame& offending, const Ipv4View& ip,
                                 std::uint8_t type, std::uint8_t code, TimePoint now,
                                 std::vector<OutboundFrame>& out) {
  if (!ip.isFirstFragment) return;
  // Never answer an ICMP error with another one.
  std::size_t icmpAt = ip.payloadOffset();
  if (ip.protocol == kProtocolIcmp) {
    if (offending.bytes.size() < icmpAt + 1) return;
    std::uint8_t icmpType = offending.bytes[icmpAt];
    if (icmpType != kIcmpEchoRequest && icmpType != kIcmpEchoReply && icmpType != 13 &&
        icmpType != 14)
      return;
  }
  Frame error = buildIcmpError(offending.bytes, ip, type, code, MacAddress{}, MacAddress{},
                               ports_[inPort].address.address);
  routeOut(std::move(error), ip.source, now, out, inPort);
}

void RouterEngine::routeOut(Frame frame, Ipv4Address destination, TimePoint now,
                            std::vector<OutboundFrame>& out, std::optional<std::size_t> inPort) {
  auto route = routes_.lookup(destination);
  if (!route) {
    if (!inPort) return;
    route = Route{Ipv4Prefix{destination, 32}, *inPort, std::nullopt};
  }
  transmitTo(route->port, route->gateway.value_or(destination), std::move(frame), now, out);
}

void RouterEngine::transmitTo(std::size_t port, Ipv4Address nextHop, Frame frame, TimePoint now,
                              std::vector<OutboundFrame>& out) {
  NextHopKey key{port, nextHop.value};
  Neighbor& neighbor = neighbors_[key];
  if (neighbor.resolved) {
    setMacs(frame, ports_[port].mac, neighbor.mac);
    out.push_back(OutboundFrame{port, std::move(frame)});
    return;
  }
  if (neighbor.waiting.size() >= kMaxQueuedPerNextHop) {
    ++counters_.dropped;
    return;
  }
  neighbor.waiting.push_back(std::move(frame));
  if (neighbor.attempts == 0) {
    neighbor.attempts = 1;
    neighbor.lastRequest = now;
    const RouterPortIdentity& self = ports_[port];
    out.push_back(OutboundFrame{port, buildArp(kArpRequest, self.mac, self.address.address,
                                               MacAddress{}, nextHop, kBroadcastMac)});
  }
}

std::vector<OutboundFrame> RouterEngine::tick(TimePoint now) {
  std::vector<OutboundFrame> out;
  std::vector<Frame> unreachable;
  for (auto it = neighbors_.begin(); it != neighbors_.end();) {
    Neighbor& neighbor = it->second;
    const RouterPortIdentity& self = ports_[it->first.port];
    if (neighbor.resolved) {
      if (now >= neighbor.expires) {
        it = neighbors_.erase(it);
        continue;
      }
    } else if (now - neighbor.lastRequest >= kArpRetryInterval) {
      if (neighbor.attempts >= kArpAttempts || neighbor.waiting.empty()) {
        for (Frame& frame : neighbor.waiting) unreachable.push_back(std::move(frame));
        it = neighbors_.erase(it);
        continue;
      }
      ++neighbor.attempts;
      neighbor.lastRequest = now;
      out.push_back(OutboundFrame{
          it->first.port, buildArp(kArpRequest, self.mac, self.address.address, MacAddress{},
                                   Ipv4Address{it->first.address}, kBroadcastMac)});
    }
    ++it;
  }
  for (const Frame& frame : unreachable) {
    auto ip = parseIpv4(frame.bytes, false);
    if (!ip || isOwnAddress(ip->source)) continue;  // never report our own packets
    auto back = routes_.lookup(ip->source);
    if (!back) continue;
    ++counters_.unreachable;
    sendIcmpError(back->port, frame, *ip, kIcmpDestinationUnreachable, 1, now, out);
  }
  return out;
}

}  // namespace stele::services::router
