#include "web/web_config.h"

namespace stele::services::web {

std::expected<WebConfig, ConfigError> parseWebConfig(std::string_view text) {
  auto lines = tokenizeConfig(text);
  if (!lines) return std::unexpected(lines.error());
  WebConfig config;
  const HostServiceSettings settings{config.identity, config.network, config.listen, 80};
  for (const ConfigLine& line : *lines) {
    auto shared = applyHostServiceDirective(line, settings);
    if (!shared) return std::unexpected(shared.error());
    if (*shared) continue;
    if (line.key() == "max-connections") {
      if (auto ok = expectArguments(line, 1, 1); !ok) return std::unexpected(ok.error());
      auto value = parseUnsigned(line.words[1], 1, 100000);
      if (!value) return configError(line, "max-connections must be 1..100000");
      config.maxConnections = *value;
    } else {
      return configError(line, "unknown directive '" + line.key() + "'");
    }
  }
  applyDefaultListen(settings);
  return config;
}

}  // namespace stele::services::web
