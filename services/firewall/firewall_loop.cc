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

namespace {

class FirewallLoop final : public ApplianceService {
 public:
  explicit FirewallLoop(const FirewallConfig& config) : config_(config), engine_(config) {}
  std::expected<void, std::string> start() override;
  std::string serve() override;

 private:
  const FirewallConfig& config_;
  std::vector<PacketPort> ports_;  // [0] outside, [1] inside
  FirewallEngine engine_;
};

std::expected<void, std::string> FirewallLoop::start() {
  for (const InterfaceSelector* selector : {&config_.outside, &config_.inside}) {
    auto name = resolveInterfaceName(*selector);
    if (!name) return std::unexpected(name.error());
    auto port = PacketPort::open(*name, /*promiscuous=*/true);
    if (!port) return std::unexpected(port.error());
    ports_.push_back(std::move(*port));
  }
  return {};
}

std::string FirewallLoop::serve() {
  std::array<pollfd, 2> fds{pollfd{ports_[0].fd(), POLLIN, 0}, pollfd{ports_[1].fd(), POLLIN, 0}};
  while (true) {
    int ready = poll(fds.data(), fds.size(), 1000);
    if (ready < 0 && errno != EINTR) return "poll failed";
    for (std::size_t i = 0; i < 2; ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      Side side = i == 0 ? Side::Outside : Side::Inside;
      PacketPort& other = ports_[1 - i];
      for (int burst = 0; burst < 256; ++burst) {
        auto received = ports_[i].receive();
        if (!received) break;
        if (received->frame.bytes.empty()) continue;
        FrameDecision decision =
            engine_.decide(side, received->frame.bytes, std::chrono::steady_clock::now());
        for (const std::string& line : decision.logLines) writeConsoleLine(line);
        if (decision.forward) other.send(received->frame);
      }
    }
  }
}

}  // namespace

std::unique_ptr<ApplianceService> makeFirewallLoop(const FirewallConfig& config) {
  return std::make_unique<FirewallLoop>(config);
}

}  // namespace stele::services::firewall
