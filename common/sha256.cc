#include "common/sha256.h"

#include <openssl/evp.h>

#include <cassert>

#include "common/encoding.h"

namespace stele {

struct Sha256::State {
  EVP_MD_CTX* ctx = nullptr;
  ~State() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
  state_->ctx = EVP_MD_CTX_new();
  [[maybe_unused]] int ok = EVP_DigestInit_ex(state_->ctx, EVP_sha256(), nullptr);
  assert(state_->ctx != nullptr && ok == 1);
}

Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(const void* data, std::size_t size) {
  EVP_DigestUpdate(state_->ctx, data, size);
}

Sha256Digest Sha256::finish() {
  Sha256Digest out{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(state_->ctx, out.data(), &length);
  EVP_DigestInit_ex(state_->ctx, EVP_sha256(), nullptr);
  return out;
}

Sha256Digest sha256(std::string_view data) {
  Sha256 hasher;
  hasher.update(data);
  return hasher.finish();
}

std::string sha256Hex(std::string_view data) {
  Sha256Digest digest = sha256(data);
  return hexEncode(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

std::string digestString(const Sha256Digest& digest) {
  return "sha256:" +
         hexEncode(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

bool isDigestString(std::string_view text) {
  constexpr std::string_view kPrefix = "sha256:";
  if (text.size() != kPrefix.size() + 64 || !text.starts_with(kPrefix)) return false;
  for (char c : text.substr(kPrefix.size())) {
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    if (!hex) return false;
  }
  return true;
}

}  // namespace stele
