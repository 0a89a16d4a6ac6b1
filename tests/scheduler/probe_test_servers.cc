#include "probe_test_servers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace stele::scheduler::health::testing {

namespace {

int boundSocket(int type, int& port) {
  int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  (void)bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  socklen_t length = sizeof sa;
  getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &length);
  port = ntohs(sa.sin_port);
  return fd;
}

// Waits for `fd` or the stop event; false when stopping.
bool waitReadable(int fd, int stopFd) {
  pollfd fds[2] = {{fd, POLLIN, 0}, {stopFd, POLLIN, 0}};
  while (poll(fds, 2, -1) < 0) {
  }
  return !(fds[1].revents & POLLIN);
}

void signal(int fd) {
  std::uint64_t one = 1;
  if (write(fd, &one, sizeof one) < 0) {
  }
}

}  // namespace

CannedHttpServer::CannedHttpServer(std::string response) : response_(std::move(response)) {
  listenFd_ = boundSocket(SOCK_STREAM, port_);
  listen(listenFd_, 1024);
  stopFd_ = eventfd(0, EFD_CLOEXEC);
  if (!response_.empty()) thread_ = std::thread([this] { serve(); });
}

CannedHttpServer::~CannedHttpServer() {
  signal(stopFd_);
  if (thread_.joinable()) thread_.join();
  for (int fd : held_) close(fd);
  close(listenFd_);
  close(stopFd_);
}

void CannedHttpServer::serve() {
  while (waitReadable(listenFd_, stopFd_)) {
    int fd = accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::string head;
    char buffer[1024];
    while (head.find("\r\n\r\n") == std::string::npos) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 2000) <= 0) break;
      ssize_t n = recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      head.append(buffer, static_cast<std::size_t>(n));
    }
    if (send(fd, response_.data(), response_.size(), MSG_NOSIGNAL) > 0) ++served_;
    close(fd);
  }
}

DnsStub::DnsStub(Mode mode, const std::string& address) : mode_(mode) {
  inet_pton(AF_INET, address.c_str(), address_);
  fd_ = boundSocket(SOCK_DGRAM, port_);
  stopFd_ = eventfd(0, EFD_CLOEXEC);
  thread_ = std::thread([this] { serve(); });
}

DnsStub::~DnsStub() {
  signal(stopFd_);
  thread_.join();
  close(fd_);
  close(stopFd_);
}

void DnsStub::serve() {
  while (waitReadable(fd_, stopFd_)) {
    std::uint8_t query[512];
    sockaddr_in from{};
    socklen_t fromLength = sizeof from;
    ssize_t n =
        recvfrom(fd_, query, sizeof query, 0, reinterpret_cast<sockaddr*>(&from), &fromLength);
    if (n < 12 || mode_ == Mode::Silent) continue;
    std::vector<std::uint8_t> reply(query, query + n);  // header and question
    reply[2] = 0x84;                                    // QR, AA
    reply[3] = mode_ == Mode::NxDomain ? 3 : 0;
    if (mode_ != Mode::NxDomain) {
      reply[7] = 1;
      std::uint8_t answer[] = {0xc0, 12, 0, 1, 0,           1,           0,           0,
                               0,    60, 0, 4, address_[0], address_[1], address_[2], address_[3]};
      reply.insert(reply.end(), answer, answer + sizeof answer);
    }
    if (mode_ == Mode::WrongId) reply[1] ^= 0x5a;
    if (mode_ == Mode::Garbled) reply.resize(reply.size() - 6);
    sendto(fd_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), fromLength);
  }
}

int closedPort() {
  int port = 0;
  int fd = boundSocket(SOCK_STREAM, port);
  close(fd);
  return port;
}

}  // namespace stele::scheduler::health::testing
