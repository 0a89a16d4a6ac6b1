#include "tests/support/half_sent_request.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace stele::testing {

namespace {

struct QueueSizes {
  bool found = false;
  unsigned long tx = 0;
  unsigned long rx = 0;
};

// The queues of the IPv4 loopback socket from `localPort` to `remotePort`.
QueueSizes queuesOf(int localPort, int remotePort) {
  std::ifstream table("/proc/net/tcp");
  std::string line;
  std::getline(table, line);  // header
  char local[64], remote[64];
  char want[64], peer[64];
  std::snprintf(want, sizeof want, "0100007F:%04X", static_cast<unsigned>(localPort));
  std::snprintf(peer, sizeof peer, "0100007F:%04X", static_cast<unsigned>(remotePort));
  while (std::getline(table, line)) {
    unsigned state = 0;
    QueueSizes sizes;
    if (std::sscanf(line.c_str(), " %*d: %63s %63s %x %lx:%lx", local, remote, &state, &sizes.tx,
                    &sizes.rx) != 5)
      continue;
    if (std::string(local) == want && std::string(remote) == peer) {
      sizes.found = true;
      return sizes;
    }
  }
  return {};
}

}  // namespace

HalfSentRequest::HalfSentRequest(int port, const std::string& bytes) : serverPort_(port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
  socklen_t length = sizeof addr;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &length);
  localPort_ = ntohs(addr.sin_port);
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
  sent_ = true;
}

HalfSentRequest::~HalfSentRequest() {
  if (fd_ >= 0) ::close(fd_);
}

bool HalfSentRequest::waitUntilServerRead(std::chrono::milliseconds limit) const {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    QueueSizes ours = queuesOf(localPort_, serverPort_);
    QueueSizes theirs = queuesOf(serverPort_, localPort_);
    if (ours.found && theirs.found && ours.tx == 0 && theirs.rx == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

}  // namespace stele::testing
