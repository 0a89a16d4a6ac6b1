#include "common/interface_setup.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <thread>

namespace stele::services {

namespace {

class ControlSocket {
 public:
  ControlSocket() : fd_(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {}
  ~ControlSocket() {
    if (fd_ >= 0) close(fd_);
  }
  ControlSocket(const ControlSocket&) = delete;
  ControlSocket& operator=(const ControlSocket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

std::string errnoText(const std::string& what) { return what + ": " + std::strerror(errno); }

void fillName(ifreq& request, const std::string& name) {
  std::memset(&request, 0, sizeof request);
  std::strncpy(request.ifr_name, name.c_str(), IFNAMSIZ - 1);
}

sockaddr_in toSockaddr(Ipv4Address address) {
  sockaddr_in out{};
  out.sin_family = AF_INET;
  out.sin_addr.s_addr = htonl(address.value);
  return out;
}

std::optional<std::string> findByMac(const MacAddress& mac) {
  ControlSocket control;
  struct if_nameindex* names = if_nameindex();
  if (names == nullptr) return std::nullopt;
  std::optional<std::string> found;
  for (struct if_nameindex* entry = names; entry->if_index != 0 && !found; ++entry) {
    ifreq request;
    fillName(request, entry->if_name);
    if (ioctl(control.fd(), SIOCGIFHWADDR, &request) != 0) continue;
    if (std::memcmp(request.ifr_hwaddr.sa_data, mac.bytes.data(), 6) == 0) found = entry->if_name;
  }
  if_freenameindex(names);
  return found;
}

}  // namespace

std::expected<std::string, std::string> resolveInterfaceName(const InterfaceSelector& selector) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    if (selector.mac) {
      if (auto name = findByMac(*selector.mac)) return *name;
    } else if (if_nametoindex(selector.name.c_str()) != 0) {
      return selector.name;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return std::unexpected("no interface " + selector.describe());
}

std::expected<void, std::string> bringLinkUp(const std::string& name) {
  ControlSocket control;
  ifreq request;
  fillName(request, name);
  if (ioctl(control.fd(), SIOCGIFFLAGS, &request) != 0)
    return std::unexpected(errnoText(name + " flags"));
  request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
  if (ioctl(control.fd(), SIOCSIFFLAGS, &request) != 0)
    return std::unexpected(errnoText(name + " up"));
  return {};
}

std::expected<void, std::string> applyKernelNetworkSetup(const KernelNetworkSetup& setup) {
  if (auto up = bringLinkUp("lo"); !up) return up;
  ControlSocket control;
  for (const auto& setting : setup.interfaces) {
    auto name = resolveInterfaceName(setting.selector);
    if (!name) return std::unexpected(name.error());
    if (setting.address) {
      ifreq request;
      fillName(request, *name);
      sockaddr_in address = toSockaddr(setting.address->address);
      std::memcpy(&request.ifr_addr, &address, sizeof address);
      if (ioctl(control.fd(), SIOCSIFADDR, &request) != 0)
        return std::unexpected(errnoText(*name + " address"));
      fillName(request, *name);
      sockaddr_in mask = toSockaddr(Ipv4Address{prefixMask(setting.address->prefixLength)});
      std::memcpy(&request.ifr_netmask, &mask, sizeof mask);
      if (ioctl(control.fd(), SIOCSIFNETMASK, &request) != 0)
        return std::unexpected(errnoText(*name + " netmask"));
    }
    if (auto up = bringLinkUp(*name); !up) return up;
  }
  if (setup.defaultGateway) {
    rtentry route{};
    sockaddr_in any = toSockaddr(Ipv4Address{0});
    sockaddr_in gateway = toSockaddr(*setup.defaultGateway);
    std::memcpy(&route.rt_dst, &any, sizeof any);
    std::memcpy(&route.rt_genmask, &any, sizeof any);
    std::memcpy(&route.rt_gateway, &gateway, sizeof gateway);
    route.rt_flags = RTF_UP | RTF_GATEWAY;
    if (ioctl(control.fd(), SIOCADDRT, &route) != 0 && errno != EEXIST)
      return std::unexpected(errnoText("default route"));
  }
  return {};
}

}  // namespace stele::services
