#include "common/packet_port.h"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

namespace stele::services {

namespace {
// struct virtio_net_hdr of <linux/virtio_net.h>, which does not compile as C++ (a member
// named `class`); host byte order, as PACKET_VNET_HDR uses on little-endian hosts.
struct VirtioNetHeader {
  std::uint8_t flags;
  std::uint8_t gso_type;
  std::uint16_t hdr_len;
  std::uint16_t gso_size;
  std::uint16_t csum_start;
  std::uint16_t csum_offset;
};
static_assert(sizeof(VirtioNetHeader) == 10);
constexpr std::uint8_t VIRTIO_NET_HDR_F_NEEDS_CSUM = 1;
constexpr std::size_t kOffloadHeaderSize = sizeof(VirtioNetHeader);
constexpr std::size_t kMaxFrame = 65536 + 64;
}  // namespace

std::expected<PacketPort, std::string> PacketPort::open(const std::string& interfaceName,
                                                        bool promiscuous) {
  PacketPort port;
  port.name_ = interfaceName;
  port.index_ = static_cast<int>(if_nametoindex(interfaceName.c_str()));
  if (port.index_ == 0) return std::unexpected("no interface " + interfaceName);
  port.fd_.reset(socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL)));
  if (!port.fd_.valid()) return std::unexpected(errnoMessage("packet socket on " + interfaceName));
  int one = 1;
  setsockopt(port.fd_.get(), SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
  port.offloadHeader_ =
      setsockopt(port.fd_.get(), SOL_PACKET, PACKET_VNET_HDR, &one, sizeof one) == 0;
  int bufferSize = 4 << 20;
  setsockopt(port.fd_.get(), SOL_SOCKET, SO_RCVBUF, &bufferSize, sizeof bufferSize);
  setsockopt(port.fd_.get(), SOL_SOCKET, SO_SNDBUF, &bufferSize, sizeof bufferSize);
  sockaddr_ll address{};
  address.sll_family = AF_PACKET;
  address.sll_protocol = htons(ETH_P_ALL);
  address.sll_ifindex = port.index_;
  if (bind(port.fd_.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
    return std::unexpected(errnoMessage("bind packet socket to " + interfaceName));
  if (promiscuous) {
    packet_mreq membership{};
    membership.mr_ifindex = port.index_;
    membership.mr_type = PACKET_MR_PROMISC;
    if (setsockopt(port.fd_.get(), SOL_PACKET, PACKET_ADD_MEMBERSHIP, &membership,
                   sizeof membership) != 0)
      return std::unexpected(errnoMessage("promiscuous mode on " + interfaceName));
  }
  ifreq request{};
  std::strncpy(request.ifr_name, interfaceName.c_str(), IFNAMSIZ - 1);
  if (ioctl(port.fd_.get(), SIOCGIFHWADDR, &request) != 0)
    return std::unexpected(errnoMessage("MAC address of " + interfaceName));
  std::memcpy(port.mac_.bytes.data(), request.ifr_hwaddr.sa_data, 6);
  port.buffer_.resize(kOffloadHeaderSize + kMaxFrame);
  return port;
}

std::optional<ReceivedFrame> PacketPort::receive() {
  sockaddr_ll from{};
  socklen_t fromLength = sizeof from;
  ssize_t n = recvfrom(fd_.get(), buffer_.data(), buffer_.size(), MSG_TRUNC,
                       reinterpret_cast<sockaddr*>(&from), &fromLength);
  if (n < 0) return std::nullopt;
  std::size_t length = static_cast<std::size_t>(n);
  if (length > buffer_.size()) return ReceivedFrame{};  // oversize: caller sees an empty frame
  ReceivedFrame received;
  std::size_t headerSize = offloadHeader_ ? kOffloadHeaderSize : 0;
  if (length < headerSize) return ReceivedFrame{};
  if (offloadHeader_) {
    VirtioNetHeader header;
    std::memcpy(&header, buffer_.data(), sizeof header);
    received.frame.offload = PacketOffload{header.flags,    header.gso_type,   header.hdr_len,
                                           header.gso_size, header.csum_start, header.csum_offset};
  }
  received.frame.bytes.assign(buffer_.begin() + static_cast<std::ptrdiff_t>(headerSize),
                              buffer_.begin() + static_cast<std::ptrdiff_t>(length));
  switch (from.sll_pkttype) {
    case PACKET_HOST:
      received.direction = FrameDirection::ToUs;
      break;
    case PACKET_BROADCAST:
      received.direction = FrameDirection::Broadcast;
      break;
    case PACKET_MULTICAST:
      received.direction = FrameDirection::Multicast;
      break;
    case PACKET_OUTGOING:
      return ReceivedFrame{};  // our own transmission on old kernels
    default:
      received.direction = FrameDirection::OtherHost;
      break;
  }
  return received;
}

bool PacketPort::send(const Frame& frame) {
  VirtioNetHeader header{};
  if (offloadHeader_) {
    // Only NEEDS_CSUM is meaningful on transmit; DATA_VALID describes receive.
    header.flags = frame.offload.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM;
    header.gso_type = frame.offload.gsoType;
    header.hdr_len = frame.offload.headerLength;
    header.gso_size = frame.offload.gsoSize;
    header.csum_start = frame.offload.checksumStart;
    header.csum_offset = frame.offload.checksumOffset;
  }
  iovec parts[2] = {{&header, offloadHeader_ ? kOffloadHeaderSize : 0},
                    {const_cast<std::uint8_t*>(frame.bytes.data()), frame.bytes.size()}};
  msghdr message{};
  message.msg_iov = parts;
  message.msg_iovlen = 2;
  return sendmsg(fd_.get(), &message, MSG_DONTWAIT) >= 0;
}

}  // namespace stele::services
