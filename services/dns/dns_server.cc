#include "dns/dns_server.h"

#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <array>
#include <chrono>
#include <vector>

#include "common/socket_util.h"
#include "common/tcp_connection_table.h"
#include "dns/dns_responder.h"

namespace stele::services::dns {

namespace {

constexpr std::uint64_t kUdpToken = 1ull << 56;
constexpr std::uint64_t kListenerToken = 2ull << 56;
constexpr std::uint64_t kConnectionToken = 3ull << 56;
constexpr std::size_t kBatch = 32;
constexpr std::size_t kMaxTcpConnections = 512;
constexpr std::size_t kMaxPendingOutput = std::size_t{256} * 1024;
constexpr auto kTcpIdleTimeout = std::chrono::seconds(10);

struct TcpConnection {
  UniqueFd fd;
  std::vector<std::uint8_t> input;
  std::vector<std::uint8_t> output;
  std::size_t outputSent = 0;
  std::chrono::steady_clock::time_point lastActive;
  bool closing = false;
};

class DnsServer final : public ApplianceService {
 public:
  explicit DnsServer(const DnsConfig& config) : config_(config) {}
  std::expected<void, std::string> start() override;
  std::string serve() override;

 private:
  void serveUdp(int fd);
  void serviceConnection(std::uint64_t id, std::uint32_t events);
  void answerBuffered(TcpConnection& connection);
  void flush(std::uint64_t id, TcpConnection& connection);

  const DnsConfig& config_;
  Epoll epoll_;
  std::vector<UniqueFd> udpSockets_;
  std::vector<UniqueFd> listeners_;
  TcpConnectionTable<TcpConnection> connections_{epoll_, kConnectionToken};
  std::vector<std::uint8_t> response_;
  // recvmmsg/sendmmsg buffers
  std::array<std::array<std::uint8_t, 4096>, kBatch> inBuffers_{};
  std::array<std::vector<std::uint8_t>, kBatch> outBuffers_;
  std::array<sockaddr_in, kBatch> peers_{};
};

std::expected<void, std::string> DnsServer::start() {
  if (!epoll_.valid()) return std::unexpected(errnoMessage("epoll"));
  for (const auto& [address, port] : config_.listen) {
    auto udp = bindUdp(address, port);
    if (!udp) return std::unexpected(udp.error());
    int size = 4 << 20;
    setsockopt(udp->get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    epoll_.add(udp->get(), EPOLLIN, kUdpToken | udpSockets_.size());
    udpSockets_.push_back(std::move(*udp));
    auto tcp = listenTcp(address, port, 128);
    if (!tcp) return std::unexpected(tcp.error());
    epoll_.add(tcp->get(), EPOLLIN, kListenerToken | listeners_.size());
    listeners_.push_back(std::move(*tcp));
  }
  return {};
}

void DnsServer::serveUdp(int fd) {
  for (int round = 0; round < 8; ++round) {
    std::array<mmsghdr, kBatch> messages{};
    std::array<iovec, kBatch> vectors{};
    for (std::size_t i = 0; i < kBatch; ++i) {
      vectors[i] = {inBuffers_[i].data(), inBuffers_[i].size()};
      messages[i].msg_hdr.msg_iov = &vectors[i];
      messages[i].msg_hdr.msg_iovlen = 1;
      messages[i].msg_hdr.msg_name = &peers_[i];
      messages[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
    }
    int received = recvmmsg(fd, messages.data(), kBatch, MSG_DONTWAIT, nullptr);
    if (received <= 0) return;
    std::array<mmsghdr, kBatch> replies{};
    std::array<iovec, kBatch> replyVectors{};
    unsigned count = 0;
    for (int i = 0; i < received; ++i) {
      std::span<const std::uint8_t> query(inBuffers_[i].data(), messages[i].msg_len);
      if (!answerQuery(config_.zones, query, Transport::Udp, outBuffers_[i])) continue;
      replyVectors[count] = {outBuffers_[i].data(), outBuffers_[i].size()};
      replies[count].msg_hdr.msg_iov = &replyVectors[count];
      replies[count].msg_hdr.msg_iovlen = 1;
      replies[count].msg_hdr.msg_name = &peers_[i];
      replies[count].msg_hdr.msg_namelen = messages[i].msg_hdr.msg_namelen;
      ++count;
    }
    unsigned sent = 0;
    while (sent < count) {
      int n = sendmmsg(fd, replies.data() + sent, count - sent, MSG_DONTWAIT);
      if (n <= 0) break;  // full socket buffer: drop, as a loaded server must
      sent += static_cast<unsigned>(n);
    }
    if (static_cast<std::size_t>(received) < kBatch) return;
  }
}

void DnsServer::flush(std::uint64_t id, TcpConnection& connection) {
  SendStatus status = sendPending(connection.fd.get(), connection.output.data(),
                                  connection.output.size(), connection.outputSent);
  if (status == SendStatus::Failed) {
    connection.closing = true;
    return;
  }
  if (status == SendStatus::Done) {
    connection.output.clear();
    connection.outputSent = 0;
  }
  connections_.watch(id, connection.output.size() < kMaxPendingOutput, !connection.output.empty());
}

// Answers every complete length-prefixed query in the input, in order.
void DnsServer::answerBuffered(TcpConnection& connection) {
  std::size_t offset = 0;
  while (connection.input.size() - offset >= 2) {
    std::size_t length =
        (std::size_t{connection.input[offset]} << 8) | connection.input[offset + 1];
    if (connection.input.size() - offset - 2 < length) break;
    std::span<const std::uint8_t> query(connection.input.data() + offset + 2, length);
    if (answerQuery(config_.zones, query, Transport::Tcp, response_)) {
      connection.output.push_back(static_cast<std::uint8_t>(response_.size() >> 8));
      connection.output.push_back(static_cast<std::uint8_t>(response_.size()));
      connection.output.insert(connection.output.end(), response_.begin(), response_.end());
    }
    offset += 2 + length;
  }
  connection.input.erase(connection.input.begin(),
                         connection.input.begin() + static_cast<std::ptrdiff_t>(offset));
}

void DnsServer::serviceConnection(std::uint64_t id, std::uint32_t events) {
  TcpConnection* found = connections_.find(id);
  if (!found) return;
  TcpConnection& connection = *found;
  connection.lastActive = std::chrono::steady_clock::now();
  bool peerClosed = (events & (EPOLLHUP | EPOLLERR)) != 0;
  if (events & (EPOLLIN | EPOLLRDHUP)) {
    std::array<std::uint8_t, 16384> chunk;
    while (connection.output.size() < kMaxPendingOutput) {
      Received got = receiveSome(connection.fd.get(), chunk.data(), chunk.size());
      if (got.status != ReceiveStatus::Data) {
        if (got.status == ReceiveStatus::Closed) peerClosed = true;
        break;
      }
      connection.input.insert(connection.input.end(), chunk.begin(),
                              chunk.begin() + static_cast<std::ptrdiff_t>(got.bytes));
      answerBuffered(connection);
      if (got.bytes < chunk.size()) break;  // emptied; epoll (level-triggered) tells of more
    }
  }
  flush(id, connection);
  if (connection.closing || (peerClosed && connection.output.empty())) connections_.close(id);
}

std::string DnsServer::serve() {
  return epoll_.run(
      64,
      [&](std::uint64_t token, std::uint32_t events) {
        std::uint64_t index = token & ~kTokenKindMask;
        switch (token & kTokenKindMask) {
          case kUdpToken:
            serveUdp(udpSockets_[index].get());
            break;
          case kListenerToken:
            connections_.acceptAll(listeners_[index].get(), kMaxTcpConnections);
            break;
          case kConnectionToken:
            serviceConnection(index, events);
            break;
          default:
            break;
        }
      },
      [&] { connections_.closeIdle([](const TcpConnection&) { return kTcpIdleTimeout; }); });
}

}  // namespace

std::unique_ptr<ApplianceService> makeDnsServer(const DnsConfig& config) {
  return std::make_unique<DnsServer>(config);
}

}  // namespace stele::services::dns
