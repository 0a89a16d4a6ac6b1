// Randomness behind an interface so tests can fix it.
#pragma once

#include <cstdint>
#include <string>

namespace stele {

class Random {
 public:
  virtual ~Random() = default;
  // `count` random bytes, hex encoded (cryptographically secure in SystemRandom).
  virtual std::string hexBytes(std::size_t count) = 0;
  // A uniformly distributed integer in [0, bound); 0 when bound is 0.
  virtual std::uint64_t below(std::uint64_t bound) = 0;
};

// The OS CSPRNG (OpenSSL RAND_bytes).
class SystemRandom final : public Random {
 public:
  std::string hexBytes(std::size_t count) override;
  std::uint64_t below(std::uint64_t bound) override;
};

// Deterministic (splitmix64) for tests and benchmarks: the same seed gives the same sequence.
// Never for secrets.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(std::uint64_t seed) : state_(seed) {}
  std::string hexBytes(std::size_t count) override;
  std::uint64_t below(std::uint64_t bound) override;
  std::uint64_t next();

 private:
  std::uint64_t state_;
};

}  // namespace stele
