#include "router/router_loop.h"

#include <poll.h>

#include <cerrno>
#include <optional>
#include <vector>

#include "common/interface_setup.h"
#include "common/packet_port.h"
#include "router/router_engine.h"

namespace stele::services::router {

namespace {

class RouterLoop final : public ApplianceService {
 public:
  explicit RouterLoop(const RouterConfig& config) : config_(config) {}
  std::expected<void, std::string> start() override;
  std::string serve() override;

 private:
  void transmit(const std::vector<OutboundFrame>& frames) {
    for (const auto& out : frames) ports_[out.port].send(out.frame);
  }

  const RouterConfig& config_;
  std::vector<PacketPort> ports_;
  std::optional<RouterEngine> engine_;
};

std::expected<void, std::string> RouterLoop::start() {
  std::vector<RouterPortIdentity> identities;
  for (const auto& setting : config_.ports) {
    auto name = resolveInterfaceName(setting.selector);
    if (!name) return std::unexpected(name.error());
    auto port = PacketPort::open(*name, /*promiscuous=*/false);
    if (!port) return std::unexpected(port.error());
    identities.push_back(RouterPortIdentity{port->mac(), setting.address});
    ports_.push_back(std::move(*port));
  }
  engine_.emplace(std::move(identities), config_.routes);
  return {};
}

std::string RouterLoop::serve() {
  std::vector<pollfd> fds;
  fds.reserve(ports_.size());
  for (const auto& port : ports_) fds.push_back(pollfd{port.fd(), POLLIN, 0});
  auto lastTick = std::chrono::steady_clock::now();
  while (true) {
    int ready = poll(fds.data(), fds.size(), 200);
    if (ready < 0 && errno != EINTR) return "poll failed";
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      for (int burst = 0; burst < 256; ++burst) {
        auto received = ports_[i].receive();
        if (!received) break;
        if (received->frame.bytes.empty()) continue;
        bool addressedToUs = received->direction != FrameDirection::OtherHost;
        transmit(engine_->handleFrame(i, std::move(received->frame), addressedToUs,
                                      std::chrono::steady_clock::now()));
      }
    }
    auto now = std::chrono::steady_clock::now();
    if (now - lastTick >= std::chrono::milliseconds(200)) {
      transmit(engine_->tick(now));
      lastTick = now;
    }
  }
}

}  // namespace

std::unique_ptr<ApplianceService> makeRouterLoop(const RouterConfig& config) {
  return std::make_unique<RouterLoop>(config);
}

}  // namespace stele::services::router
