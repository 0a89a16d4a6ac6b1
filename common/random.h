// Randomness from the OS CSPRNG, behind an interface so tests can fix it.
#pragma once

#include <string>

namespace stele {

class Random {
 public:
  virtual ~Random() = default;
  // `count` cryptographically secure random bytes, hex encoded.
  virtual std::string hexBytes(std::size_t count) = 0;
};

class SystemRandom final : public Random {
 public:
  std::string hexBytes(std::size_t count) override;
};

}  // namespace stele
