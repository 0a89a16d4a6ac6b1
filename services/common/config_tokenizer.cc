#include "common/config_tokenizer.h"

namespace stele::services {

std::string ConfigError::describe() const {
  if (line <= 0) return "config: " + message;
  return "config line " + std::to_string(line) + ": " + message;
}

namespace {

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\r'; }

bool isPrintable(unsigned char c) { return c >= 0x20 && c != 0x7f; }

// Splits one line (without its newline) into words.
std::expected<std::vector<std::string>, std::string> splitWords(std::string_view line) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < line.size()) {
    char c = line[i];
    if (isSpace(c)) {
      ++i;
      continue;
    }
    if (c == '#') break;
    std::string word;
    if (c == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        char q = line[i++];
        if (q == '"') {
          closed = true;
          break;
        }
        if (q == '\\') {
          if (i >= line.size()) return std::unexpected("backslash at end of line");
          q = line[i++];
          if (q != '"' && q != '\\')
            return std::unexpected("unknown escape '\\" + std::string(1, q) + "'");
        }
        if (!isPrintable(static_cast<unsigned char>(q)) && q != '\t')
          return std::unexpected("control character inside quotes");
        word.push_back(q);
      }
      if (!closed) return std::unexpected("unterminated quoted string");
      if (i < line.size() && !isSpace(line[i]) && line[i] != '#')
        return std::unexpected("text directly after a closing quote");
      words.push_back(std::move(word));
      continue;
    }
    while (i < line.size() && !isSpace(line[i])) {
      char w = line[i];
      if (w == '"') return std::unexpected("quote in the middle of a word");
      if (!isPrintable(static_cast<unsigned char>(w))) return std::unexpected("control character");
      word.push_back(w);
      ++i;
    }
    words.push_back(std::move(word));
  }
  return words;
}

}  // namespace

std::expected<std::vector<ConfigLine>, ConfigError> tokenizeConfig(std::string_view text) {
  if (text.size() > kMaxConfigBytes)
    return std::unexpected(ConfigError{0, "file larger than 1 MiB"});
  std::vector<ConfigLine> lines;
  int number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    ++number;
    std::string_view raw = text.substr(start, end - start);
    start = end + 1;
    if (raw.find('\0') != std::string_view::npos)
      return std::unexpected(ConfigError{number, "NUL byte in line"});
    auto words = splitWords(raw);
    if (!words) return std::unexpected(ConfigError{number, words.error()});
    if (words->empty()) continue;
    lines.push_back(ConfigLine{number, std::move(*words)});
  }
  return lines;
}

std::expected<void, ConfigError> expectArguments(const ConfigLine& line, std::size_t min,
                                                 std::size_t max) {
  std::size_t n = line.argumentCount();
  if (n >= min && n <= max) return {};
  std::string want = min == max
                         ? std::to_string(min)
                         : (max == SIZE_MAX ? "at least " + std::to_string(min)
                                            : std::to_string(min) + " to " + std::to_string(max));
  return configError(
      line, "'" + line.key() + "' takes " + want + " argument(s), got " + std::to_string(n));
}

}  // namespace stele::services
