// SHA-256, one-shot and streaming. Digests are printed as "sha256:<64 lowercase hex>".
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace stele {

using Sha256Digest = std::array<std::uint8_t, 32>;

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void update(const void* data, std::size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  // Finishes the hash; the object starts over afterwards.
  Sha256Digest finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

Sha256Digest sha256(std::string_view data);
std::string sha256Hex(std::string_view data);
// "sha256:" + hex.
std::string digestString(const Sha256Digest& digest);
// True for exactly "sha256:" followed by 64 lowercase hex characters.
bool isDigestString(std::string_view text);

}  // namespace stele
