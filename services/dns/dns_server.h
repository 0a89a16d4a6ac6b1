// Serves answerQuery() over UDP (batched recvmmsg/sendmmsg) and TCP (length-prefixed,
// pipelined, idle timeout) on one epoll loop. No logging on the per-query path.
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "dns/dns_config.h"

namespace stele::services::dns {

class DnsServer {
 public:
  explicit DnsServer(const DnsConfig& config);
  ~DnsServer();
  DnsServer(const DnsServer&) = delete;
  DnsServer& operator=(const DnsServer&) = delete;

  std::expected<void, std::string> start();
  // Runs the loop; returns only on a fatal error, with its reason.
  std::string serve();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace stele::services::dns
