// Pure decisions of the trust store: may this key vouch for this image name now?
#pragma once

#include <cstdint>
#include <string_view>

#include "common/error.h"
#include "store/records.h"

namespace stele::images {

enum class KeyUse {
  NewSignature,       // a push: the key must be active, unretired, inside its validity window
  ExistingSignature,  // a deploy or verify of a stored version: only revocation withdraws trust
};

Result<void> checkSigningKey(const store::SigningKeyRecord& key, std::string_view imageName,
                             std::int64_t now, KeyUse use);

}  // namespace stele::images
