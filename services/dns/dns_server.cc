#include "dns/dns_server.h"

#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "common/socket_util.h"
#include "dns/dns_responder.h"

namespace stele::services::dns {

namespace {

constexpr std::uint64_t kUdpToken = 1ull << 56;
constexpr std::uint64_t kListenerToken = 2ull << 56;
constexpr std::uint64_t kConnectionToken = 3ull << 56;
constexpr std::uint64_t kTokenKindMask = 0xffull << 56;
constexpr std::size_t kBatch = 32;
constexpr std::size_t kMaxTcpConnections = 512;
constexpr std::size_t kMaxPendingOutput = 256 * 1024;
constexpr auto kTcpIdleTimeout = std::chrono::seconds(10);

struct TcpConnection {
  UniqueFd fd;
  std::vector<std::uint8_t> input;
  std::vector<std::uint8_t> output;
  std::size_t outputSent = 0;
  std::chrono::steady_clock::time_point lastActive;
  bool closing = false;
};

}  // namespace

struct DnsServer::State {
  const DnsConfig& config;
  Epoll epoll;
  std::vector<UniqueFd> udpSockets;
  std::vector<UniqueFd> listeners;
  std::unordered_map<std::uint64_t, TcpConnection> connections;
  std::uint64_t nextConnectionId = 1;
  std::vector<std::uint8_t> response;
  // recvmmsg/sendmmsg buffers
  std::array<std::array<std::uint8_t, 4096>, kBatch> inBuffers{};
  std::array<std::vector<std::uint8_t>, kBatch> outBuffers;
  std::array<sockaddr_in, kBatch> peers{};

  explicit State(const DnsConfig& c) : config(c) {}

  void serveUdp(int fd);
  void acceptTcp(int fd);
  void serviceConnection(std::uint64_t id, std::uint32_t events);
  void flush(std::uint64_t id, TcpConnection& connection);
  void closeConnection(std::uint64_t id);
  void expireIdle();
};

DnsServer::DnsServer(const DnsConfig& config) : state_(std::make_unique<State>(config)) {}
DnsServer::~DnsServer() = default;

std::expected<void, std::string> DnsServer::start() {
  State& s = *state_;
  if (!s.epoll.valid()) return std::unexpected(errnoMessage("epoll"));
  for (const auto& [address, port] : s.config.listen) {
    auto udp = bindUdp(address, port);
    if (!udp) return std::unexpected(udp.error());
    int size = 4 << 20;
    setsockopt(udp->get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    s.epoll.add(udp->get(), EPOLLIN, kUdpToken | s.udpSockets.size());
    s.udpSockets.push_back(std::move(*udp));
    auto tcp = listenTcp(address, port, 128);
    if (!tcp) return std::unexpected(tcp.error());
    s.epoll.add(tcp->get(), EPOLLIN, kListenerToken | s.listeners.size());
    s.listeners.push_back(std::move(*tcp));
  }
  return {};
}

void DnsServer::State::serveUdp(int fd) {
  for (int round = 0; round < 8; ++round) {
    std::array<mmsghdr, kBatch> messages{};
    std::array<iovec, kBatch> vectors{};
    for (std::size_t i = 0; i < kBatch; ++i) {
      vectors[i] = {inBuffers[i].data(), inBuffers[i].size()};
      messages[i].msg_hdr.msg_iov = &vectors[i];
      messages[i].msg_hdr.msg_iovlen = 1;
      messages[i].msg_hdr.msg_name = &peers[i];
      messages[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
    }
    int received = recvmmsg(fd, messages.data(), kBatch, MSG_DONTWAIT, nullptr);
    if (received <= 0) return;
    std::array<mmsghdr, kBatch> replies{};
    std::array<iovec, kBatch> replyVectors{};
    unsigned count = 0;
    for (int i = 0; i < received; ++i) {
      std::span<const std::uint8_t> query(inBuffers[i].data(), messages[i].msg_len);
      if (!answerQuery(config.zones, query, Transport::Udp, outBuffers[i])) continue;
      replyVectors[count] = {outBuffers[i].data(), outBuffers[i].size()};
      replies[count].msg_hdr.msg_iov = &replyVectors[count];
      replies[count].msg_hdr.msg_iovlen = 1;
      replies[count].msg_hdr.msg_name = &peers[i];
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

void DnsServer::State::acceptTcp(int listener) {
  while (true) {
    int fd = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    if (connections.size() >= kMaxTcpConnections) {
      close(fd);
      continue;
    }
    std::uint64_t id = nextConnectionId++;
    TcpConnection& connection = connections[id];
    connection.fd.reset(fd);
    connection.lastActive = std::chrono::steady_clock::now();
    epoll.add(fd, EPOLLIN | EPOLLRDHUP, kConnectionToken | id);
  }
}

void DnsServer::State::closeConnection(std::uint64_t id) {
  auto it = connections.find(id);
  if (it == connections.end()) return;
  epoll.remove(it->second.fd.get());
  connections.erase(it);
}

void DnsServer::State::flush(std::uint64_t id, TcpConnection& connection) {
  while (connection.outputSent < connection.output.size()) {
    ssize_t n = send(connection.fd.get(), connection.output.data() + connection.outputSent,
                     connection.output.size() - connection.outputSent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      connection.closing = true;
      return;
    }
    connection.outputSent += static_cast<std::size_t>(n);
  }
  if (connection.outputSent == connection.output.size()) {
    connection.output.clear();
    connection.outputSent = 0;
  }
  bool pending = !connection.output.empty();
  bool reading = connection.output.size() < kMaxPendingOutput;
  std::uint32_t events = EPOLLRDHUP | (reading ? EPOLLIN : 0u) | (pending ? EPOLLOUT : 0u);
  epoll.modify(connection.fd.get(), events, kConnectionToken | id);
}

void DnsServer::State::serviceConnection(std::uint64_t id, std::uint32_t events) {
  auto it = connections.find(id);
  if (it == connections.end()) return;
  TcpConnection& connection = it->second;
  connection.lastActive = std::chrono::steady_clock::now();
  bool peerClosed = (events & (EPOLLHUP | EPOLLERR)) != 0;
  if (events & (EPOLLIN | EPOLLRDHUP)) {
    std::array<std::uint8_t, 16384> chunk;
    while (connection.output.size() < kMaxPendingOutput) {
      ssize_t n = recv(connection.fd.get(), chunk.data(), chunk.size(), 0);
      if (n == 0) {
        peerClosed = true;
        break;
      }
      if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK) peerClosed = true;
        break;
      }
      connection.input.insert(connection.input.end(), chunk.begin(), chunk.begin() + n);
      std::size_t offset = 0;
      while (connection.input.size() - offset >= 2) {
        std::size_t length =
            (std::size_t{connection.input[offset]} << 8) | connection.input[offset + 1];
        if (connection.input.size() - offset - 2 < length) break;
        std::span<const std::uint8_t> query(connection.input.data() + offset + 2, length);
        if (answerQuery(config.zones, query, Transport::Tcp, response)) {
          connection.output.push_back(static_cast<std::uint8_t>(response.size() >> 8));
          connection.output.push_back(static_cast<std::uint8_t>(response.size()));
          connection.output.insert(connection.output.end(), response.begin(), response.end());
        }
        offset += 2 + length;
      }
      connection.input.erase(connection.input.begin(),
                             connection.input.begin() + static_cast<std::ptrdiff_t>(offset));
    }
  }
  flush(id, connection);
  if (connection.closing || (peerClosed && connection.output.empty())) closeConnection(id);
}

void DnsServer::State::expireIdle() {
  auto now = std::chrono::steady_clock::now();
  std::vector<std::uint64_t> expired;
  for (const auto& [id, connection] : connections)
    if (now - connection.lastActive > kTcpIdleTimeout) expired.push_back(id);
  for (std::uint64_t id : expired) closeConnection(id);
}

std::string DnsServer::serve() {
  State& s = *state_;
  std::array<epoll_event, 64> events;
  auto lastSweep = std::chrono::steady_clock::now();
  while (true) {
    int n = epoll_wait(s.epoll.fd(), events.data(), static_cast<int>(events.size()), 1000);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errnoMessage("epoll_wait");
    }
    for (int i = 0; i < n; ++i) {
      std::uint64_t token = events[i].data.u64;
      std::uint64_t index = token & ~kTokenKindMask;
      switch (token & kTokenKindMask) {
        case kUdpToken:
          s.serveUdp(s.udpSockets[index].get());
          break;
        case kListenerToken:
          s.acceptTcp(s.listeners[index].get());
          break;
        case kConnectionToken:
          s.serviceConnection(index, events[i].events);
          break;
        default:
          break;
      }
    }
    auto now = std::chrono::steady_clock::now();
    if (now - lastSweep > std::chrono::seconds(1)) {
      s.expireIdle();
      lastSweep = now;
    }
  }
}

}  // namespace stele::services::dns
