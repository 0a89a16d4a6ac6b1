// One event loop thread serving every probe from one network namespace: non-blocking
// sockets on one epoll set, a deadline heap for timeouts, at most `maxInFlight` probes at
// once (the rest wait in order). The thread enters the namespace once, at start.
// Internal to SocketProber.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "scheduler/health/dns_probe_message.h"
#include "scheduler/health/prober.h"

namespace stele::scheduler::health {

// A validated probe, ready to run: built by SocketProber::submit.
struct ProbeJob {
  enum class Kind { Tcp, Http, Dns };
  Kind kind = Kind::Tcp;
  std::uint64_t key = 0;
  std::uint32_t address = 0;  // IPv4, network byte order
  std::uint16_t port = 0;
  std::string httpRequest;
  int expectStatus = 200;
  DnsProbeQuery dns;  // id filled in by the loop
  std::int64_t timeoutMs = 500;
  std::function<void(ProbeResult)> done;
};

class ProbeLoop {
 public:
  // netnsPath "" = stay in the process's namespace.
  ProbeLoop(std::string netnsName, std::string netnsPath, std::size_t maxInFlight);
  ~ProbeLoop();  // stops; probes not finished get "prober stopped"
  ProbeLoop(const ProbeLoop&) = delete;
  ProbeLoop& operator=(const ProbeLoop&) = delete;

  // False (and the job untouched) once the loop is dead: it could not enter its namespace.
  bool enqueue(ProbeJob& job);
  bool dead();

 private:
  struct Active;
  class Engine;
  void run();

  std::string netnsName_, netnsPath_;
  std::size_t maxInFlight_;
  int wakeFd_ = -1;
  std::mutex mutex_;
  std::deque<ProbeJob> incoming_;
  bool stop_ = false;
  bool dead_ = false;
  std::thread thread_;
};

}  // namespace stele::scheduler::health
