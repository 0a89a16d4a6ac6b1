#include "tests/hypervisor/e2e/netns_probe.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

namespace stele::hypervisor::e2e {

namespace {

template <class T, class F>
Result<T> inNamespace(const std::string& netns, F work) {
  Result<T> result = fail(ErrorKind::Internal, "netns_probe_failed", "not run");
  std::thread([&] {
    int fd = open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
      if (fd >= 0) close(fd);
      result = fail(ErrorKind::Internal, "netns_probe_failed",
                    "cannot enter network namespace " + netns);
      return;
    }
    close(fd);
    result = work();
  }).join();
  return result;
}

}  // namespace

Result<std::string> tcpReadInNamespace(const std::string& netns, const std::string& ipv4, int port,
                                       std::chrono::milliseconds timeout) {
  return tcpExchangeInNamespace(netns, ipv4, port, "", timeout);
}

Result<std::string> tcpExchangeInNamespace(const std::string& netns, const std::string& ipv4,
                                           int port, const std::string& request,
                                           std::chrono::milliseconds timeout) {
  return inNamespace<std::string>(netns, [&]() -> Result<std::string> {
    int sock = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    inet_pton(AF_INET, ipv4.c_str(), &address.sin_addr);
    if (connect(sock, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 &&
        errno != EINPROGRESS) {
      close(sock);
      return fail(ErrorKind::Unavailable, "tcp_probe_failed",
                  "cannot connect to " + ipv4 + ":" + std::to_string(port));
    }
    pollfd waitFor{sock, POLLOUT, 0};
    int error = 0;
    socklen_t length = sizeof error;
    if (poll(&waitFor, 1, static_cast<int>(timeout.count())) != 1 ||
        getsockopt(sock, SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) {
      close(sock);
      return fail(ErrorKind::Unavailable, "tcp_probe_failed",
                  "no TCP answer from " + ipv4 + ":" + std::to_string(port));
    }
    if (!request.empty() && send(sock, request.data(), request.size(), MSG_NOSIGNAL) !=
                                static_cast<ssize_t>(request.size())) {
      close(sock);
      return fail(ErrorKind::Unavailable, "tcp_probe_failed",
                  "cannot send to " + ipv4 + ":" + std::to_string(port));
    }
    std::string received;
    char buffer[256];
    pollfd readable{sock, POLLIN, 0};
    while (poll(&readable, 1, static_cast<int>(timeout.count())) == 1) {
      ssize_t n = read(sock, buffer, sizeof buffer);
      if (n <= 0) break;
      received.append(buffer, static_cast<std::size_t>(n));
    }
    close(sock);
    return received;
  });
}

Result<std::vector<std::string>> interfacesInNamespace(const std::string& netns) {
  return inNamespace<std::vector<std::string>>(netns, []() -> Result<std::vector<std::string>> {
    struct if_nameindex* list = if_nameindex();
    if (list == nullptr)
      return fail(ErrorKind::Internal, "netns_probe_failed", "if_nameindex failed");
    std::vector<std::string> names;
    for (auto* item = list; item->if_index != 0; ++item) names.emplace_back(item->if_name);
    if_freenameindex(list);
    return names;
  });
}

}  // namespace stele::hypervisor::e2e
