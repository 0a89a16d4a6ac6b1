#include "common/random.h"

#include <openssl/rand.h>

#include <cstdlib>
#include <vector>

#include "common/encoding.h"

namespace stele {

std::string SystemRandom::hexBytes(std::size_t count) {
  std::string bytes(count, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(count)) != 1) {
    std::abort();  // No entropy means no safe tokens: refuse to continue.
  }
  return hexEncode(bytes);
}

}  // namespace stele
