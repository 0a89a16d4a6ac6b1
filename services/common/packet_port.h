// One AF_PACKET socket bound to one interface: the router's and firewall's port to the
// wire. Receives every frame the interface sees (except our own transmissions) with its
// offload header, and transmits whole frames.
#pragma once

#include <expected>
#include <optional>
#include <string>

#include "common/packet_headers.h"
#include "common/socket_util.h"

namespace stele::services {

enum class FrameDirection { ToUs, Broadcast, Multicast, OtherHost };

struct ReceivedFrame {
  Frame frame;
  FrameDirection direction = FrameDirection::ToUs;
};

class PacketPort {
 public:
  // Opens and binds; `promiscuous` asks the NIC for every frame (bridge mode).
  static std::expected<PacketPort, std::string> open(const std::string& interfaceName,
                                                     bool promiscuous);

  int fd() const { return fd_.get(); }
  const std::string& name() const { return name_; }
  int interfaceIndex() const { return index_; }
  const MacAddress& mac() const { return mac_; }

  // Reads one frame; nullopt when none is waiting (or on a transient error).
  std::optional<ReceivedFrame> receive();
  // Sends one frame; false when the kernel refused it (full queue, too large).
  bool send(const Frame& frame);

 private:
  UniqueFd fd_;
  std::string name_;
  int index_ = 0;
  MacAddress mac_;
  bool offloadHeader_ = false;
  std::vector<std::uint8_t> buffer_;
};

}  // namespace stele::services
