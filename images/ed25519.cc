#include "images/ed25519.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>

#include "common/sha256.h"

namespace stele::images {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Bio = std::unique_ptr<BIO, BioFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

std::unexpected<Error> keyError(const std::string& message) {
  return fail(ErrorKind::InvalidArgument, "key_invalid", message);
}

std::string bioText(BIO* bio) {
  char* data = nullptr;
  long length = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(length));
}

Result<std::string> rawPublicKey(EVP_PKEY* key) {
  if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) return keyError("key is not an Ed25519 key");
  std::string raw(32, '\0');
  std::size_t length = raw.size();
  if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(raw.data()), &length) !=
          1 ||
      length != 32) {
    return keyError("cannot read the Ed25519 public key");
  }
  return raw;
}

}  // namespace

Result<KeyPairPem> generateKeyPair() {
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) return fail(ErrorKind::Internal, "keygen_failed", "Ed25519 key generation failed");
  Bio priv(BIO_new(BIO_s_mem()));
  Bio pub(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(priv.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      PEM_write_bio_PUBKEY(pub.get(), key.get()) != 1) {
    return fail(ErrorKind::Internal, "keygen_failed", "cannot encode the key pair as PEM");
  }
  return KeyPairPem{bioText(priv.get()), bioText(pub.get())};
}

Result<std::string> rawPublicKeyFromPem(std::string_view pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Pkey key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return keyError("not a PEM public key (expected -----BEGIN PUBLIC KEY-----)");
  return rawPublicKey(key.get());
}

Result<std::string> rawPublicKeyFromPrivatePem(std::string_view pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return keyError("not a PEM private key (expected -----BEGIN PRIVATE KEY-----)");
  return rawPublicKey(key.get());
}

std::string keyIdOf(std::string_view rawPublicKey) { return sha256Hex(rawPublicKey); }

Result<std::string> sign(std::string_view privatePem, std::string_view message) {
  Bio bio(BIO_new_mem_buf(privatePem.data(), static_cast<int>(privatePem.size())));
  Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key || EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    return keyError("signing key is not a PEM Ed25519 private key");
  }
  MdCtx ctx(EVP_MD_CTX_new());
  std::string signature(64, '\0');
  std::size_t length = signature.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      length != 64) {
    return fail(ErrorKind::Internal, "sign_failed", "Ed25519 signing failed");
  }
  return signature;
}

bool verify(std::string_view rawPublicKey, std::string_view message, std::string_view signature) {
  if (rawPublicKey.size() != 32 || signature.size() != 64) return false;
  Pkey key(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(rawPublicKey.data()), 32));
  MdCtx ctx(EVP_MD_CTX_new());
  if (!key || !ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

}  // namespace stele::images
