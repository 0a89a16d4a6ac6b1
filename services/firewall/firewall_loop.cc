#include "firewall/firewall_loop.h"

#include <poll.h>

#include <array>
#include <cerrno>
#include <optional>
#include <vector>

#include "common/appliance_main.h"
#include "common/interface_setup.h"
#include "common/packet_port.h"
#include "firewall/firewall_engine.h"

namespace stele::services::firewall {

struct FirewallLoop::State {
  const FirewallConfig& config;
  std::vector<PacketPort> ports;  // [0] outside, [1] inside
  FirewallEngine engine;

  explicit State(const FirewallConfig& c) : config(c), engine(c) {}
};

FirewallLoop::FirewallLoop(const FirewallConfig& config)
    : state_(std::make_unique<State>(config)) {}
FirewallLoop::~FirewallLoop() = default;

std::expected<void, std::string> FirewallLoop::start() {
  State& s = *state_;
  for (const InterfaceSelector* selector : {&s.config.outside, &s.config.inside}) {
    auto name = resolveInterfaceName(*selector);
    if (!name) return std::unexpected(name.error());
    auto port = PacketPort::open(*name, /*promiscuous=*/true);
    if (!port) return std::unexpected(port.error());
    s.ports.push_back(std::move(*port));
  }
  return {};
}

std::string FirewallLoop::serve() {
  State& s = *state_;
  std::array<pollfd, 2> fds{pollfd{s.ports[0].fd(), POLLIN, 0}, pollfd{s.ports[1].fd(), POLLIN, 0}};
  while (true) {
    int ready = poll(fds.data(), fds.size(), 1000);
    if (ready < 0 && errno != EINTR) return "poll failed";
    for (std::size_t i = 0; i < 2; ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      Side side = i == 0 ? Side::Outside : Side::Inside;
      PacketPort& other = s.ports[1 - i];
      for (int burst = 0; burst < 256; ++burst) {
        auto received = s.ports[i].receive();
        if (!received) break;
        if (received->frame.bytes.empty()) continue;
        FrameDecision decision =
            s.engine.decide(side, received->frame.bytes, std::chrono::steady_clock::now());
        for (const std::string& line : decision.logLines) writeConsoleLine(line);
        if (decision.forward) other.send(received->frame);
      }
    }
  }
}

}  // namespace stele::services::firewall
