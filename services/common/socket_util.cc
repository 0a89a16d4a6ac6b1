#include "common/socket_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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

}  // namespace stele::services
