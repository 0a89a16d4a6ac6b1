// Turns one DNS query (raw bytes) into the authoritative response (raw bytes).
// Pure: no I/O, no clock, no logging; the per-query path allocates little.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "dns/dns_zone.h"

namespace stele::services::dns {

enum class Transport { Udp, Tcp };

// The UDP payload size this server advertises in EDNS0 (RFC 9715's safe default).
inline constexpr std::uint16_t kAdvertisedUdpPayload = 1232;
inline constexpr std::size_t kPlainUdpLimit = 512;
inline constexpr std::size_t kMaxUdpLimit = 4096;

// Fills `response` and returns true, or returns false when the message deserves no
// answer at all (shorter than a header, or itself a response).
bool answerQuery(const ZoneSet& zones, std::span<const std::uint8_t> query, Transport transport,
                 std::vector<std::uint8_t>& response);

}  // namespace stele::services::dns
