// The accepted TCP connections of an epoll server (web, dns), by id: accept with a cap,
// close, idle expiry, epoll interest. `Connection` has `UniqueFd fd` and
// `std::chrono::steady_clock::time_point lastActive`; what it buffers is its own affair.
#pragma once

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "common/socket_util.h"

namespace stele::services {

template <typename Connection>
class TcpConnectionTable {
 public:
  // Connections are registered with `epoll` under tokens `tokenKind | id`.
  TcpConnectionTable(Epoll& epoll, std::uint64_t tokenKind)
      : epoll_(epoll), tokenKind_(tokenKind) {}

  // Accepts until the listener's backlog is empty; with `limit` connections open, closes
  // new ones at once.
  void acceptAll(int listener, std::size_t limit) {
    while (true) {
      int fd = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;
      if (connections_.size() >= limit) {
        ::close(fd);
        continue;
      }
      std::uint64_t id = nextId_++;
      Slot& slot = connections_[id];
      slot.connection.fd.reset(fd);
      slot.connection.lastActive = std::chrono::steady_clock::now();
      epoll_.add(fd, slot.interest, tokenKind_ | id);
    }
  }

  Connection* find(std::uint64_t id) {
    auto it = connections_.find(id);
    return it == connections_.end() ? nullptr : &it->second.connection;
  }

  void close(std::uint64_t id) {
    auto it = connections_.find(id);
    if (it == connections_.end()) return;
    epoll_.remove(it->second.connection.fd.get());
    connections_.erase(it);
  }

  // Asks epoll for input and/or output readiness (and always for the peer's shutdown);
  // no system call when that is what it already asks for.
  void watch(std::uint64_t id, bool reading, bool writing) {
    auto it = connections_.find(id);
    if (it == connections_.end()) return;
    std::uint32_t events = EPOLLRDHUP | (reading ? EPOLLIN : 0u) | (writing ? EPOLLOUT : 0u);
    if (events == it->second.interest) return;
    it->second.interest = events;
    epoll_.modify(it->second.connection.fd.get(), events, tokenKind_ | id);
  }

  // Closes every connection quiet for longer than idleLimit(connection).
  template <typename IdleLimit>
  void closeIdle(IdleLimit idleLimit) {
    auto now = std::chrono::steady_clock::now();
    std::vector<std::uint64_t> expired;
    for (const auto& [id, slot] : connections_)
      if (now - slot.connection.lastActive > idleLimit(slot.connection)) expired.push_back(id);
    for (std::uint64_t id : expired) close(id);
  }

 private:
  struct Slot {
    Connection connection;
    std::uint32_t interest = EPOLLIN | EPOLLRDHUP;  // what epoll is asked for now
  };

  Epoll& epoll_;
  std::uint64_t tokenKind_;
  std::unordered_map<std::uint64_t, Slot> connections_;
  std::uint64_t nextId_ = 1;
};

}  // namespace stele::services
