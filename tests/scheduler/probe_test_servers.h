// Small servers on 127.0.0.1 for SocketProber's tests, each on its own thread and an
// ephemeral port, stopped on destruction.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace stele::scheduler::health::testing {

// Accepts connections one at a time, reads the request head, writes `response`, closes.
// With an empty response it accepts and never answers.
class CannedHttpServer {
 public:
  explicit CannedHttpServer(std::string response);
  ~CannedHttpServer();
  int port() const { return port_; }
  int served() const { return served_.load(); }

 private:
  void serve();
  std::string response_;
  int listenFd_ = -1, stopFd_ = -1, port_ = 0;
  std::atomic<int> served_{0};
  std::vector<int> held_;
  std::thread thread_;
};

// A DNS stub over UDP: answers every query as `mode` says.
class DnsStub {
 public:
  enum class Mode {
    AnswerA,   // NOERROR with one A record, `address`
    NxDomain,  // NXDOMAIN
    WrongId,   // a good answer with another id (not ours: the probe times out)
    Garbled,   // our id and question, then an answer record cut short
    Silent,    // no reply at all
  };
  DnsStub(Mode mode, const std::string& address = "192.0.2.10");
  ~DnsStub();
  int port() const { return port_; }

 private:
  void serve();
  Mode mode_;
  std::uint8_t address_[4] = {};
  int fd_ = -1, stopFd_ = -1, port_ = 0;
  std::thread thread_;
};

// A TCP port on 127.0.0.1 with nothing listening (bound once, then released).
int closedPort();

}  // namespace stele::scheduler::health::testing
