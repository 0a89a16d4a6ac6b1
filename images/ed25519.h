// Ed25519 through OpenSSL 3 EVP: key generation, PEM, signing, verification, key ids.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace stele::images {

struct KeyPairPem {
  std::string privatePem;  // PKCS#8
  std::string publicPem;   // SubjectPublicKeyInfo
};

Result<KeyPairPem> generateKeyPair();
// The raw 32-byte public key from a PEM public key (rejects any other algorithm).
Result<std::string> rawPublicKeyFromPem(std::string_view pem);
// The raw public key that belongs to a PEM private key.
Result<std::string> rawPublicKeyFromPrivatePem(std::string_view pem);
// Key id: lowercase hex SHA-256 of the raw public key.
std::string keyIdOf(std::string_view rawPublicKey);

Result<std::string> sign(std::string_view privatePem, std::string_view message);
// True only when OpenSSL's EVP_DigestVerify returns exactly 1.
bool verify(std::string_view rawPublicKey, std::string_view message, std::string_view signature);

}  // namespace stele::images
