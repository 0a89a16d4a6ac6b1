// Deterministic, platform-independent hashing for derived identifiers (MACs, network UUIDs).
// Not cryptographic: only used to spread values, never to authenticate.
#pragma once

#include <cstdint>
#include <string_view>

namespace stele::hypervisor {

// 64-bit FNV-1a of `data`, starting from `seed` (the FNV offset basis by default).
std::uint64_t fnv1a64(std::string_view data, std::uint64_t seed = 0xcbf29ce484222325ULL);

// fnv1a64 followed by the splitmix64 finaliser, so every input bit affects every output bit.
std::uint64_t mixedHash64(std::string_view data);

}  // namespace stele::hypervisor
