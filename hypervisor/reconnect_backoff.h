// Delay before reconnect attempt number `attempt` (0-based): initial * 2^attempt, capped. Pure.
#pragma once

#include <chrono>

namespace stele::hypervisor {

inline std::chrono::milliseconds reconnectDelay(unsigned attempt, std::chrono::milliseconds initial,
                                                std::chrono::milliseconds max) {
  auto delay = initial;
  for (unsigned i = 0; i < attempt && delay < max; ++i) delay *= 2;
  return delay < max ? delay : max;
}

}  // namespace stele::hypervisor
