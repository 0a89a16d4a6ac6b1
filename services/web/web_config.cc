#include "web/web_config.h"

#include <algorithm>

namespace stele::services::web {

std::expected<WebConfig, ConfigError> parseWebConfig(std::string_view text) {
  auto lines = tokenizeConfig(text);
  if (!lines) return std::unexpected(lines.error());
  WebConfig config;
  for (const ConfigLine& line : *lines) {
    auto identity = applyIdentityDirective(line, config.identity);
    if (!identity) return std::unexpected(identity.error());
    if (*identity) continue;
    auto network = applyHostNetworkDirective(line, config.network);
    if (!network) return std::unexpected(network.error());
    if (*network) continue;
    if (line.key() == "listen") {
      if (auto ok = expectArguments(line, 1, 1); !ok) return std::unexpected(ok.error());
      auto endpoint = parseIpv4Endpoint(line.words[1]);
      if (!endpoint) {
        auto address = parseIpv4(line.words[1]);
        if (!address)
          return configError(line, "'" + line.words[1] + "' is not ADDRESS or ADDRESS:PORT");
        endpoint = std::pair{*address, std::uint16_t{80}};
      }
      if (std::find(config.listen.begin(), config.listen.end(), *endpoint) != config.listen.end())
        return configError(line, "listen address given twice");
      config.listen.push_back(*endpoint);
    } else if (line.key() == "max-connections") {
      if (auto ok = expectArguments(line, 1, 1); !ok) return std::unexpected(ok.error());
      auto value = parseUnsigned(line.words[1], 1, 100000);
      if (!value) return configError(line, "max-connections must be 1..100000");
      config.maxConnections = *value;
    } else {
      return configError(line, "unknown directive '" + line.key() + "'");
    }
  }
  if (config.listen.empty()) config.listen.emplace_back(Ipv4Address{0}, std::uint16_t{80});
  return config;
}

}  // namespace stele::services::web
