// The router's forwarding decisions: ARP (answer, resolve, cache), IPv4 forwarding by
// longest-prefix match with TTL decrement, ICMP errors (time exceeded, unreachable),
// echo replies for its own addresses, and martian filtering. Pure: frames in, frames
// out; time is a parameter.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <vector>

#include "common/packet_headers.h"
#include "router/route_table.h"

namespace stele::services::router {

using TimePoint = std::chrono::steady_clock::time_point;

struct RouterPortIdentity {
  MacAddress mac;
  Ipv4InterfaceAddress address;
};

struct OutboundFrame {
  std::size_t port = 0;
  Frame frame;
};

struct RouterCounters {
  std::uint64_t forwarded = 0;
  std::uint64_t dropped = 0;
  std::uint64_t martians = 0;
  std::uint64_t timeExceeded = 0;
  std::uint64_t unreachable = 0;
};

inline constexpr auto kArpEntryLifetime = std::chrono::seconds(300);
inline constexpr auto kArpRetryInterval = std::chrono::seconds(1);
inline constexpr int kArpAttempts = 3;
inline constexpr std::size_t kMaxQueuedPerNextHop = 16;

// True for source addresses no router should forward from (RFC 1812 5.3.7).
bool isMartianSource(Ipv4Address address);
// True for destinations a unicast router never forwards to.
bool isMartianDestination(Ipv4Address address);

class RouterEngine {
 public:
  RouterEngine(std::vector<RouterPortIdentity> ports, RouteTable routes);

  // One frame received on `port`; `addressedToUs` is false for frames the NIC saw for
  // another host. Returns the frames to transmit.
  std::vector<OutboundFrame> handleFrame(std::size_t port, Frame frame, bool addressedToUs,
                                         TimePoint now);
  // Retries and gives up on ARP resolution; expires old entries.
  std::vector<OutboundFrame> tick(TimePoint now);

  const RouterCounters& counters() const { return counters_; }

 private:
  struct NextHopKey {
    std::size_t port;
    std::uint32_t address;
    auto operator<=>(const NextHopKey&) const = default;
  };
  struct Neighbor {
    bool resolved = false;
    MacAddress mac;
    TimePoint expires;
    TimePoint lastRequest;
    int attempts = 0;
    std::deque<Frame> waiting;
  };

  void handleArp(std::size_t port, const Frame& frame, TimePoint now,
                 std::vector<OutboundFrame>& out);
  void handleIpv4(std::size_t port, Frame frame, TimePoint now, std::vector<OutboundFrame>& out);
  void deliverLocally(std::size_t port, Frame frame, const Ipv4View& ip, TimePoint now,
                      std::vector<OutboundFrame>& out);
  void sendIcmpError(std::size_t inPort, const Frame& offending, const Ipv4View& ip,
                     std::uint8_t type, std::uint8_t code, TimePoint now,
                     std::vector<OutboundFrame>& out);
  // Routes an IPv4 frame (MACs are filled in here) towards its destination.
  void routeOut(Frame frame, Ipv4Address destination, TimePoint now,
                std::vector<OutboundFrame>& out, std::optional<std::size_t> inPort);
  void transmitTo(std::size_t port, Ipv4Address nextHop, Frame frame, TimePoint now,
                  std::vector<OutboundFrame>& out);
  void learn(std::size_t port, Ipv4Address address, const MacAddress& mac, bool create,
             TimePoint now, std::vector<OutboundFrame>& out);
  bool isOwnAddress(Ipv4Address address) const;

  std::vector<RouterPortIdentity> ports_;
  RouteTable routes_;
  std::map<NextHopKey, Neighbor> neighbors_;
  RouterCounters counters_;
};

}  // namespace stele::services::router
