// Small helpers over BSD sockets and epoll, shared by the web and dns servers.
#pragma once

#include <cstdint>
#include <expected>
#include <string>

#include "common/net_address.h"

namespace stele::services {

// Owns a file descriptor; closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = other.release();
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

std::string errnoMessage(const std::string& what);

// A non-blocking TCP listening socket bound to address:port (SO_REUSEADDR).
std::expected<UniqueFd, std::string> listenTcp(Ipv4Address address, std::uint16_t port,
                                               int backlog);
// A non-blocking UDP socket bound to address:port.
std::expected<UniqueFd, std::string> bindUdp(Ipv4Address address, std::uint16_t port);

class Epoll {
 public:
  Epoll();
  bool valid() const { return fd_.valid(); }
  bool add(int fd, std::uint32_t events, std::uint64_t token);
  bool modify(int fd, std::uint32_t events, std::uint64_t token);
  void remove(int fd);
  int fd() const { return fd_.get(); }

 private:
  UniqueFd fd_;
};

}  // namespace stele::services
