#include "router/router_loop.h"

#include <poll.h>

#include <cerrno>
#include <optional>
#include <vector>

#include "common/interface_setup.h"
#include "common/packet_port.h"
#include "router/router_engine.h"

namespace stele::services::router {

struct RouterLoop::State {
  const RouterConfig& config;
  std::vector<PacketPort> ports;
  std::optional<RouterEngine> engine;

  explicit State(const RouterConfig& c) : config(c) {}

  void transmit(const std::vector<OutboundFrame>& frames) {
    for (const auto& out : frames) ports[out.port].send(out.frame);
  }
};

RouterLoop::RouterLoop(const RouterConfig& config) : state_(std::make_unique<State>(config)) {}
RouterLoop::~RouterLoop() = default;

std::expected<void, std::string> RouterLoop::start() {
  State& s = *state_;
  std::vector<RouterPortIdentity> identities;
  for (const auto& setting : s.config.ports) {
    auto name = resolveInterfaceName(setting.selector);
    if (!name) return std::unexpected(name.error());
    auto port = PacketPort::open(*name, /*promiscuous=*/false);
    if (!port) return std::unexpected(port.error());
    identities.push_back(RouterPortIdentity{port->mac(), setting.address});
    s.ports.push_back(std::move(*port));
  }
  s.engine.emplace(std::move(identities), s.config.routes);
  return {};
}

std::string RouterLoop::serve() {
  State& s = *state_;
  std::vector<pollfd> fds;
  for (const auto& port : s.ports) fds.push_back(pollfd{port.fd(), POLLIN, 0});
  auto lastTick = std::chrono::steady_clock::now();
  while (true) {
    int ready = poll(fds.data(), fds.size(), 200);
    if (ready < 0 && errno != EINTR) return "poll failed";
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      for (int burst = 0; burst < 256; ++burst) {
        auto received = s.ports[i].receive();
        if (!received) break;
        if (received->frame.bytes.empty()) continue;
        bool addressedToUs = received->direction != FrameDirection::OtherHost;
        s.transmit(s.engine->handleFrame(i, std::move(received->frame), addressedToUs,
                                         std::chrono::steady_clock::now()));
      }
    }
    auto now = std::chrono::steady_clock::now();
    if (now - lastTick >= std::chrono::milliseconds(200)) {
      s.transmit(s.engine->tick(now));
      lastTick = now;
    }
  }
}

}  // namespace stele::services::router
