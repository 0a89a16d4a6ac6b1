// The states an instance record moves through (stored as these strings).
//
//   Provisioning  intent recorded; the domain may or may not exist yet
//   Starting      the domain runs; its health check has not passed yet
//   Available     the domain runs and passes its health check (or has none)
//   Destroying    intent to destroy recorded
//   Lost          its host has been unreachable past the grace period; a replacement runs;
//                 the old domain is destroyed (fenced) when the host returns
//   Gone          destroyed or never started; kept only as its slot's failure history
//                 (restarts, when) for back-off, until a replacement is provisioned
#pragma once

#include <string_view>

namespace stele::scheduler::state {

inline constexpr std::string_view kProvisioning = "Provisioning";
inline constexpr std::string_view kStarting = "Starting";
inline constexpr std::string_view kAvailable = "Available";
inline constexpr std::string_view kDestroying = "Destroying";
inline constexpr std::string_view kLost = "Lost";
inline constexpr std::string_view kGone = "Gone";

// Occupies its slot (its addresses): everything but Lost and Gone.
inline bool occupiesSlot(std::string_view s) { return s != kLost && s != kGone; }

}  // namespace stele::scheduler::state
