#include "common/random.h"

#include <openssl/rand.h>

#include <cstdlib>

#include "common/encoding.h"

namespace stele {
namespace {

// Rejection sampling: uniform in [0, bound) from a source of uniform 64-bit words.
template <class Next>
std::uint64_t uniformBelow(std::uint64_t bound, Next next) {
  if (bound == 0) return 0;
  std::uint64_t limit = UINT64_MAX - (UINT64_MAX % bound);
  for (;;) {
    std::uint64_t word = next();
    if (word < limit) return word % bound;
  }
}

}  // namespace

std::string SystemRandom::hexBytes(std::size_t count) {
  std::string bytes(count, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(count)) != 1) {
    std::abort();  // No entropy means no safe tokens: refuse to continue.
  }
  return hexEncode(bytes);
}

std::uint64_t SystemRandom::below(std::uint64_t bound) {
  return uniformBelow(bound, [] {
    std::uint64_t word = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&word), sizeof word) != 1) std::abort();
    return word;
  });
}

std::uint64_t SeededRandom::next() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::string SeededRandom::hexBytes(std::size_t count) {
  std::string bytes;
  bytes.reserve(count);
  while (bytes.size() < count) {
    std::uint64_t word = next();
    for (int i = 0; i < 8 && bytes.size() < count; ++i) {
      bytes.push_back(static_cast<char>((word >> (8 * i)) & 0xff));
    }
  }
  return hexEncode(bytes);
}

std::uint64_t SeededRandom::below(std::uint64_t bound) {
  return uniformBelow(bound, [this] { return next(); });
}

}  // namespace stele
