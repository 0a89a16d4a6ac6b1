#include "api/pistache_adapter.h"

#include <pistache/listener.h>
#include <pistache/peer.h>
#include <pistache/transport.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "api/http_connection.h"

namespace stele::api {
namespace {

using namespace Pistache;

// Writes a connection's answers through Pistache's write queue; a closing answer shuts the
// socket's sending side once it is written (the client reads it, then sees the end).
class PeerOutput : public ConnectionOutput {
 public:
  explicit PeerOutput(std::weak_ptr<Tcp::Peer> peer) : peer_(std::move(peer)) {}
  void send(std::string bytes, bool thenClose) override {
    auto peer = peer_.lock();
    if (!peer) return;
    std::size_t size = bytes.size();
    auto written = peer->send(RawBuffer(std::move(bytes), size));
    if (!thenClose) return;
    written.then(
        [weak = peer_](ssize_t) {
          if (auto p = weak.lock()) ::shutdown(p->fd(), SHUT_WR);
        },
        Async::IgnoreException);
  }

 private:
  std::weak_ptr<Tcp::Peer> peer_;
};

struct PeerState {
  explicit PeerState(std::weak_ptr<Tcp::Peer> peer) : output(std::move(peer)) {}
  PeerOutput output;
  std::unique_ptr<HttpConnection> connection;
  std::string address;
  bool counted = false;
  bool cut = false;  // the sweeper has shut the socket down
  int fd = -1;
};

constexpr const char* kPeerData = "stele.connection";

// What every transport thread's handler shares: the budget, the open connections, and the
// sweeper thread that cuts connections past their deadline (idle, slow head, slow body).
class Edge {
 public:
  Edge(Dispatcher& dispatcher, Metrics& metrics, const EdgeLimits& limits)
      : dispatcher_(dispatcher), limits_(limits), budget_(limits_, metrics) {
    sweeper_ = std::thread([this] { sweep(); });
  }
  ~Edge() { stopSweeper(); }

  void stopSweeper() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (sweeper_.joinable()) sweeper_.join();
  }

  void connect(const std::shared_ptr<Tcp::Peer>& peer) {
    auto state = std::make_shared<PeerState>(peer);
    state->address = peer->address().host();
    state->fd = peer->fd();
    state->connection = std::make_unique<HttpConnection>(dispatcher_, budget_, limits_,
                                                         state->output, EdgeClock::now());
    peer->putData(kPeerData, state);
    state->counted = budget_.openConnection(state->address);
    {
      std::lock_guard lock(mutex_);
      peers_[peer.get()] = state;
    }
    if (!state->counted) {
      state->connection->refuse(Error{ErrorKind::Unavailable, "too_many_connections",
                                      "the server has as many connections as it takes (in "
                                      "total or from this address); retry later"});
    }
  }

  void input(const char* data, std::size_t size, const std::shared_ptr<Tcp::Peer>& peer) {
    auto state = std::static_pointer_cast<PeerState>(peer->tryGetData(kPeerData));
    if (!state || !state->connection) return;
    try {
      state->connection->receive(std::string_view(data, size), EdgeClock::now());
      if (peer->ssl() == nullptr) readInBulk(*state);
    } catch (const std::exception& e) {  // a bug: this connection ends, the server goes on
      std::fprintf(stderr, "stele: connection dropped: %s\n", e.what());
      ::shutdown(state->fd, SHUT_RDWR);
    }
  }

  void disconnect(const std::shared_ptr<Tcp::Peer>& peer) {
    auto state = std::static_pointer_cast<PeerState>(peer->tryGetData(kPeerData));
    if (!state) return;
    {
      std::lock_guard lock(mutex_);  // the fd stays open until we return: no reuse race
      peers_.erase(peer.get());
    }
    state->connection.reset();
    if (state->counted) budget_.closeConnection(state->address);
    state->counted = false;
  }

 private:
  // Pistache reads 4 KiB at a time; a streaming body is read here in pieces of up to 256 KiB
  // (one buffer per transport thread) until the socket is drained or the body is in. What
  // follows the body goes to the connection as usual. An end or error seen here is made
  // visible to Pistache by shutting the socket, so its next read reports it.
  static void readInBulk(PeerState& state) {
    thread_local std::vector<char> buffer(std::size_t{256} << 10);
    while (state.connection && state.connection->wantsBulkInput()) {
      ssize_t n = ::recv(state.fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) ::shutdown(state.fd, SHUT_RDWR);
        return;
      }
      state.connection->receive(std::string_view(buffer.data(), static_cast<std::size_t>(n)),
                                EdgeClock::now());
    }
  }

  void sweep() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      wake_.wait_for(lock, std::chrono::milliseconds(50));
      auto now = EdgeClock::now();
      for (auto& [peer, state] : peers_) {
        if (state->cut || !state->connection || state->connection->deadline() > now) continue;
        // The transport thread then reads the end of the stream and disconnects the peer.
        ::shutdown(state->fd, SHUT_RDWR);
        state->cut = true;
      }
    }
  }

  Dispatcher& dispatcher_;
  EdgeLimits limits_;
  EdgeBudget budget_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::map<const Tcp::Peer*, std::shared_ptr<PeerState>> peers_;
  std::thread sweeper_;
};

// Pistache clones the handler once per transport thread; every clone shares one Edge. It is
// a TCP handler: Pistache's HTTP parser never sees the bytes, our HttpConnection does.
class EdgeHandler : public Tcp::Handler {
 public:
  PROTOTYPE_OF(Tcp::Handler, EdgeHandler)
  explicit EdgeHandler(std::shared_ptr<Edge> edge) : edge_(std::move(edge)) {}

  void onConnection(const std::shared_ptr<Tcp::Peer>& peer) override { edge_->connect(peer); }
  void onInput(const char* buffer, size_t len, const std::shared_ptr<Tcp::Peer>& peer) override {
    edge_->input(buffer, len, peer);
  }
  void onDisconnection(const std::shared_ptr<Tcp::Peer>& peer) override { edge_->disconnect(peer); }

 private:
  std::shared_ptr<Edge> edge_;
};

}  // namespace

struct HttpEndpoint::Impl {
  std::shared_ptr<Edge> edge;
  std::unique_ptr<Tcp::Listener> listener;
};

HttpEndpoint::HttpEndpoint(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpEndpoint::~HttpEndpoint() { stop(); }

Result<std::unique_ptr<HttpEndpoint>> HttpEndpoint::start(const ListenOptions& options,
                                                          Dispatcher& dispatcher,
                                                          Metrics& metrics) {
  auto impl = std::make_unique<Impl>();
  try {
    Address address(options.host, Port(options.port));
    impl->edge = std::make_shared<Edge>(dispatcher, metrics, options.limits);
    impl->listener = std::make_unique<Tcp::Listener>(address);
    impl->listener->init(static_cast<std::size_t>(options.threads),
                         Flags<Tcp::Options>(Tcp::Options::ReuseAddr | Tcp::Options::NoDelay));
    impl->listener->setHandler(std::make_shared<EdgeHandler>(impl->edge));
    if (!options.tlsCert.empty()) {
      impl->listener->setupSSL(options.tlsCert, options.tlsKey, false, nullptr);
    }
    impl->listener->bind();
    impl->listener->runThreaded();
  } catch (const std::exception& e) {
    return fail(
        ErrorKind::Unavailable, "listen_failed",
        "cannot serve on " + options.host + ":" + std::to_string(options.port) + ": " + e.what());
  }
  return std::unique_ptr<HttpEndpoint>(new HttpEndpoint(std::move(impl)));
}

std::uint16_t HttpEndpoint::port() const {
  return static_cast<std::uint16_t>(impl_->listener->getPort());
}

void HttpEndpoint::stop() {
  if (impl_ && impl_->listener) {
    impl_->listener->shutdown();
    impl_->listener.reset();
  }
  if (impl_ && impl_->edge) impl_->edge->stopSweeper();
}

}  // namespace stele::api
