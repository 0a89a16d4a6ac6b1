// Fixed MAC addresses for an instance's NICs, derived from its id and the NIC's position:
// locally administered unicast 02:xx:xx:xx:xx:xx (40 bits from the hash).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace stele::hypervisor {

std::string macAddressFor(std::string_view instanceId, std::size_t nicIndex);

}  // namespace stele::hypervisor
