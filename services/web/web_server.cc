#include "web/web_server.h"

#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <unordered_map>
#include <vector>

#include "common/socket_util.h"
#include "web/http_request_parser.h"
#include "web/web_site.h"

namespace stele::services::web {

namespace {

constexpr std::uint64_t kListenerToken = 1ull << 56;
constexpr std::uint64_t kConnectionToken = 2ull << 56;
constexpr std::uint64_t kTokenKindMask = 0xffull << 56;
constexpr std::size_t kMaxPendingOutput = 1 << 20;
constexpr auto kIdleTimeout = std::chrono::seconds(30);
constexpr auto kDrainTimeout = std::chrono::seconds(2);

using Clock = std::chrono::steady_clock;

struct Connection {
  UniqueFd fd;
  std::string input;
  std::string output;
  std::size_t outputSent = 0;
  Clock::time_point lastActive;
  bool closeAfterOutput = false;  // an error or Connection: close was answered
  bool draining = false;          // write side shut; discarding input until EOF
};

}  // namespace

struct WebServer::State {
  const WebConfig& config;
  WebSite site;
  HttpLimits limits;
  Epoll epoll;
  std::vector<UniqueFd> listeners;
  std::unordered_map<std::uint64_t, Connection> connections;
  std::uint64_t nextId = 1;
  std::string date;
  std::time_t dateSecond = 0;

  explicit State(const WebConfig& c) : config(c), site(c.identity) {}

  void refreshDate() {
    std::time_t now = std::time(nullptr);
    if (now != dateSecond) {
      dateSecond = now;
      date = httpDate(now);
    }
  }
  void accept(int listener);
  void service(std::uint64_t id, std::uint32_t events);
  void answerBuffered(Connection& connection);
  void flush(Connection& connection);
  void updateInterest(std::uint64_t id, Connection& connection);
  void close(std::uint64_t id);
  void sweep();
};

WebServer::WebServer(const WebConfig& config) : state_(std::make_unique<State>(config)) {}
WebServer::~WebServer() = default;

std::expected<void, std::string> WebServer::start() {
  State& s = *state_;
  if (!s.epoll.valid()) return std::unexpected(errnoMessage("epoll"));
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  for (const auto& [address, port] : s.config.listen) {
    auto listener = listenTcp(address, port, 1024);
    if (!listener) return std::unexpected(listener.error());
    s.epoll.add(listener->get(), EPOLLIN, kListenerToken | s.listeners.size());
    s.listeners.push_back(std::move(*listener));
  }
  return {};
}

void WebServer::State::accept(int listener) {
  while (true) {
    int fd = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    if (connections.size() >= config.maxConnections) {
      ::close(fd);
      continue;
    }
    std::uint64_t id = nextId++;
    Connection& connection = connections[id];
    connection.fd.reset(fd);
    connection.lastActive = Clock::now();
    epoll.add(fd, EPOLLIN | EPOLLRDHUP, kConnectionToken | id);
  }
}

void WebServer::State::close(std::uint64_t id) {
  auto it = connections.find(id);
  if (it == connections.end()) return;
  epoll.remove(it->second.fd.get());
  connections.erase(it);
}

void WebServer::State::answerBuffered(Connection& connection) {
  std::size_t offset = 0;
  while (!connection.closeAfterOutput && connection.output.size() < kMaxPendingOutput) {
    ParseResult parsed =
        parseHttpRequest(std::string_view(connection.input).substr(offset), limits);
    if (parsed.status == ParseStatus::Incomplete) break;
    refreshDate();
    if (parsed.status == ParseStatus::Error) {
      serializeResponse(errorResponse(parsed.errorStatus, false), date, connection.output);
      connection.closeAfterOutput = true;
      offset = connection.input.size();
      break;
    }
    HttpResponse response = site.respond(parsed.request);
    serializeResponse(response, date, connection.output);
    offset += parsed.consumed;
    if (!response.keepAlive) connection.closeAfterOutput = true;
  }
  connection.input.erase(0, offset);
}

void WebServer::State::flush(Connection& connection) {
  while (connection.outputSent < connection.output.size()) {
    ssize_t n = send(connection.fd.get(), connection.output.data() + connection.outputSent,
                     connection.output.size() - connection.outputSent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      connection.draining = true;
      connection.closeAfterOutput = true;
      connection.output.clear();
      connection.outputSent = 0;
      return;
    }
    connection.outputSent += static_cast<std::size_t>(n);
  }
  connection.output.clear();
  connection.outputSent = 0;
}

void WebServer::State::updateInterest(std::uint64_t id, Connection& connection) {
  bool pending = !connection.output.empty();
  bool reading = connection.draining || connection.output.size() < kMaxPendingOutput;
  std::uint32_t events = EPOLLRDHUP | (reading ? EPOLLIN : 0u) | (pending ? EPOLLOUT : 0u);
  epoll.modify(connection.fd.get(), events, kConnectionToken | id);
}

void WebServer::State::service(std::uint64_t id, std::uint32_t events) {
  auto it = connections.find(id);
  if (it == connections.end()) return;
  Connection& connection = it->second;
  connection.lastActive = Clock::now();
  if (events & EPOLLERR) {
    close(id);
    return;
  }
  bool peerClosed = false;
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) {
    std::array<char, 16384> chunk;
    std::size_t inputLimit = limits.maxHeaderBytes + limits.maxBody + 4096;
    while (connection.draining || connection.input.size() < inputLimit) {
      ssize_t n = recv(connection.fd.get(), chunk.data(), chunk.size(), 0);
      if (n == 0) {
        peerClosed = true;
        break;
      }
      if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK) peerClosed = true;
        break;
      }
      if (connection.draining || connection.closeAfterOutput) continue;  // discard
      connection.input.append(chunk.data(), static_cast<std::size_t>(n));
      if (connection.output.size() >= kMaxPendingOutput) break;
    }
    if (!connection.closeAfterOutput) answerBuffered(connection);
  }
  flush(connection);
  if (connection.output.empty() && connection.closeAfterOutput && !connection.draining) {
    // Half-close so the client reads the whole answer before we go away; discard what it
    // still sends, then close on EOF or after kDrainTimeout.
    shutdown(connection.fd.get(), SHUT_WR);
    connection.draining = true;
  }
  if (peerClosed && (connection.output.empty() || connection.draining)) {
    close(id);
    return;
  }
  updateInterest(id, connection);
}

void WebServer::State::sweep() {
  auto now = Clock::now();
  std::vector<std::uint64_t> expired;
  for (const auto& [id, connection] : connections) {
    auto limit = connection.draining ? kDrainTimeout : kIdleTimeout;
    if (now - connection.lastActive > limit) expired.push_back(id);
  }
  for (std::uint64_t id : expired) close(id);
}

std::string WebServer::serve() {
  State& s = *state_;
  std::array<epoll_event, 256> events;
  auto lastSweep = Clock::now();
  while (true) {
    int n = epoll_wait(s.epoll.fd(), events.data(), static_cast<int>(events.size()), 1000);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errnoMessage("epoll_wait");
    }
    for (int i = 0; i < n; ++i) {
      std::uint64_t token = events[i].data.u64;
      std::uint64_t index = token & ~kTokenKindMask;
      if ((token & kTokenKindMask) == kListenerToken)
        s.accept(s.listeners[index].get());
      else
        s.service(index, events[i].events);
    }
    auto now = Clock::now();
    if (now - lastSweep > std::chrono::seconds(1)) {
      s.sweep();
      lastSweep = now;
    }
  }
}

}  // namespace stele::services::web
