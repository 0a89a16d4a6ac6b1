#include "common/socket_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

namespace stele::services {

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) close(fd_);
  fd_ = fd;
}

std::string errnoMessage(const std::string& what) { return what + ": " + std::strerror(errno); }

namespace {

sockaddr_in socketAddress(Ipv4Address address, std::uint16_t port) {
  sockaddr_in out{};
  out.sin_family = AF_INET;
  out.sin_port = htons(port);
  out.sin_addr.s_addr = htonl(address.value);
  return out;
}

std::expected<UniqueFd, std::string> boundSocket(int type, Ipv4Address address,
                                                 std::uint16_t port) {
  std::string where = formatIpv4(address) + ":" + std::to_string(port);
  UniqueFd fd(socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return std::unexpected(errnoMessage("socket"));
  int one = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa = socketAddress(address, port);
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
    return std::unexpected(errnoMessage("bind " + where));
  return fd;
}

}  // namespace

std::expected<UniqueFd, std::string> listenTcp(Ipv4Address address, std::uint16_t port,
                                               int backlog) {
  auto fd = boundSocket(SOCK_STREAM, address, port);
  if (!fd) return fd;
  if (listen(fd->get(), backlog) != 0) return std::unexpected(errnoMessage("listen"));
  return fd;
}

std::expected<UniqueFd, std::string> bindUdp(Ipv4Address address, std::uint16_t port) {
  return boundSocket(SOCK_DGRAM, address, port);
}

Epoll::Epoll() : fd_(epoll_create1(EPOLL_CLOEXEC)) {}

bool Epoll::add(int fd, std::uint32_t events, std::uint64_t token) {
  epoll_event event{};
  event.events = events;
  event.data.u64 = token;
  return epoll_ctl(fd_.get(), EPOLL_CTL_ADD, fd, &event) == 0;
}

bool Epoll::modify(int fd, std::uint32_t events, std::uint64_t token) {
  epoll_event event{};
  event.events = events;
  event.data.u64 = token;
  return epoll_ctl(fd_.get(), EPOLL_CTL_MOD, fd, &event) == 0;
}

void Epoll::remove(int fd) { epoll_ctl(fd_.get(), EPOLL_CTL_DEL, fd, nullptr); }

std::string Epoll::run(
    std::size_t maxEvents,
    const std::function<void(std::uint64_t token, std::uint32_t events)>& onEvent,
    const std::function<void()>& onSecond) {
  std::vector<epoll_event> events(maxEvents);
  auto lastSecond = std::chrono::steady_clock::now();
  while (true) {
    int n = epoll_wait(fd_.get(), events.data(), static_cast<int>(events.size()), 1000);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errnoMessage("epoll_wait");
    }
    for (int i = 0; i < n; ++i) onEvent(events[i].data.u64, events[i].events);
    auto now = std::chrono::steady_clock::now();
    if (now - lastSecond > std::chrono::seconds(1)) {
      onSecond();
      lastSecond = now;
    }
  }
}

SendStatus sendPending(int fd, const void* data, std::size_t size, std::size_t& sent) {
  const char* bytes = static_cast<const char*>(data);
  while (sent < size) {
    ssize_t n = send(fd, bytes + sent, size - sent, MSG_NOSIGNAL);
    if (n < 0)
      return errno == EAGAIN || errno == EWOULDBLOCK ? SendStatus::WouldBlock : SendStatus::Failed;
    sent += static_cast<std::size_t>(n);
  }
  return SendStatus::Done;
}

Received receiveSome(int fd, void* buffer, std::size_t capacity) {
  ssize_t n = recv(fd, buffer, capacity, 0);
  if (n > 0) return {ReceiveStatus::Data, static_cast<std::size_t>(n)};
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return {ReceiveStatus::Nothing};
  return {ReceiveStatus::Closed};
}

}  // namespace stele::services
