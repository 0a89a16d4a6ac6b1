#include "web/web_server.h"

#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <array>
#include <chrono>
#include <ctime>
#include <vector>

#include "common/socket_util.h"
#include "common/tcp_connection_table.h"
#include "web/http_request_parser.h"
#include "web/web_site.h"

namespace stele::services::web {

namespace {

constexpr std::uint64_t kListenerToken = 1ull << 56;
constexpr std::uint64_t kConnectionToken = 2ull << 56;
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

class WebServer final : public ApplianceService {
 public:
  explicit WebServer(const WebConfig& config) : config_(config), site_(config.identity) {}
  std::expected<void, std::string> start() override;
  std::string serve() override;

 private:
  void refreshDate() {
    std::time_t now = std::time(nullptr);
    if (now != dateSecond_) {
      dateSecond_ = now;
      date_ = httpDate(now);
    }
  }
  void service(std::uint64_t id, std::uint32_t events);
  void answerBuffered(Connection& connection);
  void flush(Connection& connection);

  const WebConfig& config_;
  WebSite site_;
  HttpLimits limits_;
  Epoll epoll_;
  std::vector<UniqueFd> listeners_;
  TcpConnectionTable<Connection> connections_{epoll_, kConnectionToken};
  std::string date_;
  std::time_t dateSecond_ = 0;
};

std::expected<void, std::string> WebServer::start() {
  if (!epoll_.valid()) return std::unexpected(errnoMessage("epoll"));
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  for (const auto& [address, port] : config_.listen) {
    auto listener = listenTcp(address, port, 1024);
    if (!listener) return std::unexpected(listener.error());
    epoll_.add(listener->get(), EPOLLIN, kListenerToken | listeners_.size());
    listeners_.push_back(std::move(*listener));
  }
  return {};
}

void WebServer::answerBuffered(Connection& connection) {
  std::size_t offset = 0;
  while (!connection.closeAfterOutput && connection.output.size() < kMaxPendingOutput) {
    ParseResult parsed =
        parseHttpRequest(std::string_view(connection.input).substr(offset), limits_);
    if (parsed.status == ParseStatus::Incomplete) break;
    refreshDate();
    if (parsed.status == ParseStatus::Error) {
      serializeResponse(errorResponse(parsed.errorStatus, false), date_, connection.output);
      connection.closeAfterOutput = true;
      offset = connection.input.size();
      break;
    }
    HttpResponse response = site_.respond(parsed.request);
    serializeResponse(response, date_, connection.output);
    offset += parsed.consumed;
    if (!response.keepAlive) connection.closeAfterOutput = true;
  }
  connection.input.erase(0, offset);
}

void WebServer::flush(Connection& connection) {
  SendStatus status = sendPending(connection.fd.get(), connection.output.data(),
                                  connection.output.size(), connection.outputSent);
  if (status == SendStatus::WouldBlock) return;
  if (status == SendStatus::Failed) {
    connection.draining = true;
    connection.closeAfterOutput = true;
  }
  connection.output.clear();
  connection.outputSent = 0;
}

void WebServer::service(std::uint64_t id, std::uint32_t events) {
  Connection* found = connections_.find(id);
  if (!found) return;
  Connection& connection = *found;
  connection.lastActive = Clock::now();
  if (events & EPOLLERR) {
    connections_.close(id);
    return;
  }
  bool peerClosed = false;
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) {
    std::array<char, 16384> chunk;
    std::size_t inputLimit = limits_.maxHeaderBytes + limits_.maxBody + 4096;
    while (connection.draining || connection.input.size() < inputLimit) {
      Received got = receiveSome(connection.fd.get(), chunk.data(), chunk.size());
      if (got.status != ReceiveStatus::Data) {
        if (got.status == ReceiveStatus::Closed) peerClosed = true;
        break;
      }
      // A short read emptied the socket: stop here rather than pay one more recv() for
      // EAGAIN (epoll is level-triggered, so what arrives later is reported again).
      bool emptied = got.bytes < chunk.size();
      if (connection.draining || connection.closeAfterOutput) {  // discard
        if (emptied) break;
        continue;
      }
      connection.input.append(chunk.data(), got.bytes);
      if (emptied || connection.output.size() >= kMaxPendingOutput) break;
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
    connections_.close(id);
    return;
  }
  connections_.watch(id, connection.draining || connection.output.size() < kMaxPendingOutput,
                     !connection.output.empty());
}

std::string WebServer::serve() {
  return epoll_.run(
      256,
      [&](std::uint64_t token, std::uint32_t events) {
        std::uint64_t index = token & ~kTokenKindMask;
        if ((token & kTokenKindMask) == kListenerToken)
          connections_.acceptAll(listeners_[index].get(), config_.maxConnections);
        else
          service(index, events);
      },
      [&] {
        connections_.closeIdle([](const Connection& connection) -> Clock::duration {
          return connection.draining ? kDrainTimeout : kIdleTimeout;
        });
      });
}

}  // namespace

std::unique_ptr<ApplianceService> makeWebServer(const WebConfig& config) {
  return std::make_unique<WebServer>(config);
}

}  // namespace stele::services::web
