// Hex and standard base64 (RFC 4648, with padding), strict on decode.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace stele {

std::string hexEncode(std::string_view bytes);
std::optional<std::string> hexDecode(std::string_view text);

std::string base64Encode(std::string_view bytes);
// Rejects anything but canonical padded base64 (no whitespace, no stray bits).
std::optional<std::string> base64Decode(std::string_view text);

// Decodes %XX escapes; nullopt for a broken escape or an encoded NUL byte.
std::optional<std::string> percentDecode(std::string_view text);
// True when `text` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool isValidUtf8(std::string_view text);

}  // namespace stele
