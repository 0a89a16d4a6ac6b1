#include "hypervisor/mac_address.h"

#include <cstdio>

#include "hypervisor/stable_hash.h"

namespace stele::hypervisor {

std::string macAddressFor(std::string_view instanceId, std::size_t nicIndex) {
  std::string key(instanceId);
  key += '\0';
  key += std::to_string(nicIndex);
  std::uint64_t hash = mixedHash64(key);
  char text[18];
  std::snprintf(
      text, sizeof text, "02:%02x:%02x:%02x:%02x:%02x", static_cast<unsigned>((hash >> 32) & 0xff),
      static_cast<unsigned>((hash >> 24) & 0xff), static_cast<unsigned>((hash >> 16) & 0xff),
      static_cast<unsigned>((hash >> 8) & 0xff), static_cast<unsigned>(hash & 0xff));
  return text;
}

}  // namespace stele::hypervisor
