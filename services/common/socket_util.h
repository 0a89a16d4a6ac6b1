// Small helpers over BSD sockets and epoll, shared by the web and dns servers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
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

// Sends data[sent, size) on a non-blocking socket until all is sent (Done), the socket is
// full (WouldBlock) or the send fails (Failed); advances `sent`.
enum class SendStatus { Done, WouldBlock, Failed };
SendStatus sendPending(int fd, const void* data, std::size_t size, std::size_t& sent);

// One recv() on a non-blocking socket: bytes (Data), nothing now (Nothing), or end of
// stream or failure (Closed).
enum class ReceiveStatus { Data, Nothing, Closed };
struct Received {
  ReceiveStatus status;
  std::size_t bytes = 0;
};
Received receiveSome(int fd, void* buffer, std::size_t capacity);

// An epoll token names the kind of source in its top byte (kinds are 1..255 << 56) and an
// index or connection id below it.
inline constexpr std::uint64_t kTokenKindMask = 0xffull << 56;

class Epoll {
 public:
  Epoll();
  bool valid() const { return fd_.valid(); }
  bool add(int fd, std::uint32_t events, std::uint64_t token);
  bool modify(int fd, std::uint32_t events, std::uint64_t token);
  void remove(int fd);
  int fd() const { return fd_.get(); }

  // Waits for up to maxEvents events at a time and hands each to onEvent(token, events);
  // calls onSecond() about once a second. Returns only when epoll_wait fails, with why.
  std::string run(std::size_t maxEvents,
                  const std::function<void(std::uint64_t token, std::uint32_t events)>& onEvent,
                  const std::function<void()>& onSecond);

 private:
  UniqueFd fd_;
};

}  // namespace stele::services
