// Domain names in uncompressed wire form: length-prefixed labels ending with a zero byte,
// e.g. "\3www\7example\0". Pure; no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace stele::services::dns {

inline constexpr std::size_t kMaxNameLength = 255;
inline constexpr std::size_t kMaxLabelLength = 63;

// The root name, "\0".
std::string rootName();

// Parses presentation form ("www.example.com", trailing dot optional; "." is the root).
// Labels may hold letters, digits, '-', '_'; returns nullopt on anything else.
std::optional<std::string> nameFromText(std::string_view text);

// "www.example.com." for a wire name.
std::string nameToText(std::string_view wire);

// ASCII-lowercased copy (DNS names compare case-insensitively).
std::string lowercaseName(std::string_view wire);

// The name with its first label removed; the root stays the root.
std::string_view parentName(std::string_view wire);

// True when `name` equals `ancestor` or lies below it (both lowercase wire).
bool isSubdomain(std::string_view name, std::string_view ancestor);

int labelCount(std::string_view wire);

}  // namespace stele::services::dns
