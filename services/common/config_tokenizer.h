// Splits appliance config text into directive lines: `key value...`, `#` comments,
// double-quoted words with \" and \\ escapes. Pure; no I/O.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace stele::services {

// A config problem, always tied to the line it was found on (0 = the file as a whole).
struct ConfigError {
  int line = 0;
  std::string message;

  // One line for humans: "config line 4: unknown directive 'foo'".
  std::string describe() const;
};

struct ConfigLine {
  int number = 0;
  std::vector<std::string> words;  // words[0] is the directive key; never empty

  const std::string& key() const { return words.front(); }
  std::size_t argumentCount() const { return words.size() - 1; }
};

inline constexpr std::size_t kMaxConfigBytes = 1 << 20;

std::expected<std::vector<ConfigLine>, ConfigError> tokenizeConfig(std::string_view text);

// Builds an error for `line` with the given message.
inline std::unexpected<ConfigError> configError(const ConfigLine& line, std::string message) {
  return std::unexpected<ConfigError>(ConfigError{line.number, std::move(message)});
}

// Checks the argument count of a directive: between min and max arguments.
std::expected<void, ConfigError> expectArguments(const ConfigLine& line, std::size_t min,
                                                 std::size_t max);

}  // namespace stele::services
