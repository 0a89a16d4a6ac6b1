#include "firewall/firewall_config.h"

#include "common/packet_headers.h"

namespace stele::services::firewall {

namespace {

std::optional<PortRange> parsePortRange(const std::string& text) {
  auto dash = text.find('-');
  if (dash == std::string::npos) {
    auto port = parseUnsigned(text, 0, 65535);
    if (!port) return std::nullopt;
    return PortRange{static_cast<std::uint16_t>(*port), static_cast<std::uint16_t>(*port)};
  }
  auto low = parseUnsigned(text.substr(0, dash), 0, 65535);
  auto high = parseUnsigned(text.substr(dash + 1), 0, 65535);
  if (!low || !high || *low > *high) return std::nullopt;
  return PortRange{static_cast<std::uint16_t>(*low), static_cast<std::uint16_t>(*high)};
}

std::optional<std::uint8_t> parseProtocol(const std::string& text) {
  if (text == "icmp") return kProtocolIcmp;
  if (text == "tcp") return kProtocolTcp;
  if (text == "udp") return kProtocolUdp;
  auto number = parseUnsigned(text, 0, 255);
  if (!number) return std::nullopt;
  return static_cast<std::uint8_t>(*number);
}

std::optional<std::uint8_t> parseIcmpType(const std::string& text) {
  if (text == "echo-request") return kIcmpEchoRequest;
  if (text == "echo-reply") return kIcmpEchoReply;
  if (text == "destination-unreachable") return kIcmpDestinationUnreachable;
  if (text == "time-exceeded") return kIcmpTimeExceeded;
  auto number = parseUnsigned(text, 0, 255);
  if (!number) return std::nullopt;
  return static_cast<std::uint8_t>(*number);
}

}  // namespace

std::expected<Rule, ConfigError> parseRule(const ConfigLine& line) {
  const auto& w = line.words;
  Rule rule;
  rule.line = line.number;
  if (w.size() < 2) return configError(line, "'rule' needs an action: accept or drop");
  if (w[1] == "accept") {
    rule.action = Action::Accept;
  } else if (w[1] == "drop") {
    rule.action = Action::Drop;
  } else {
    return configError(line, "rule action '" + w[1] + "' is not accept or drop");
  }
  std::size_t i = 2;
  if (i < w.size() && w[i] == "log") {
    rule.log = true;
    ++i;
  }
  bool protoAny = false;
  for (; i < w.size(); i += 2) {
    const std::string& key = w[i];
    if (i + 1 >= w.size()) return configError(line, "'" + key + "' needs a value");
    const std::string& value = w[i + 1];
    auto once = [&](bool alreadySet) -> std::expected<void, ConfigError> {
      if (alreadySet) return configError(line, "'" + key + "' given twice");
      return {};
    };
    std::expected<void, ConfigError> ok;
    if (key == "proto") {
      ok = once(rule.protocol.has_value() || protoAny);
      if (value == "any") {
        protoAny = true;
      } else {
        rule.protocol = parseProtocol(value);
        if (!rule.protocol)
          return configError(line, "protocol '" + value + "' is not tcp, udp, icmp, any or 0-255");
      }
    } else if (key == "src" || key == "dst") {
      auto& target = key == "src" ? rule.source : rule.destination;
      ok = once(target.has_value());
      target = parseIpv4Prefix(value);
      if (!target)
        return configError(
            line, "'" + value + "' is not a prefix A.B.C.D/LEN (zero host bits) or address");
    } else if (key == "sport" || key == "dport") {
      auto& target = key == "sport" ? rule.sourcePorts : rule.destinationPorts;
      ok = once(target.has_value());
      target = parsePortRange(value);
      if (!target) return configError(line, "'" + value + "' is not a port or LOW-HIGH range");
    } else if (key == "icmp-type") {
      ok = once(rule.icmpType.has_value());
      rule.icmpType = parseIcmpType(value);
      if (!rule.icmpType) return configError(line, "ICMP type '" + value + "' is unknown");
    } else if (key == "in") {
      ok = once(rule.arrivedOn.has_value());
      if (value == "outside")
        rule.arrivedOn = Side::Outside;
      else if (value == "inside")
        rule.arrivedOn = Side::Inside;
      else
        return configError(line, "'in' takes outside or inside");
    } else {
      return configError(
          line, "unknown rule match '" + key + "' (proto src dst sport dport icmp-type in)");
    }
    if (!ok) return std::unexpected(ok.error());
  }
  bool portMatch = rule.sourcePorts || rule.destinationPorts;
  if (portMatch && rule.protocol != kProtocolTcp && rule.protocol != kProtocolUdp)
    return configError(line, "sport/dport need 'proto tcp' or 'proto udp'");
  if (rule.icmpType && rule.protocol != kProtocolIcmp)
    return configError(line, "icmp-type needs 'proto icmp'");
  return rule;
}

std::expected<FirewallConfig, ConfigError> parseFirewallConfig(std::string_view text) {
  auto lines = tokenizeConfig(text);
  if (!lines) return std::unexpected(lines.error());
  FirewallConfig config;
  bool haveOutside = false, haveInside = false, haveRules = false, havePolicy = false;
  for (const ConfigLine& line : *lines) {
    auto identity = applyIdentityDirective(line, config.identity);
    if (!identity) return std::unexpected(identity.error());
    if (*identity) continue;
    const std::string& key = line.key();
    if (key == "outside" || key == "inside") {
      if (auto ok = expectArguments(line, 1, 1); !ok) return std::unexpected(ok.error());
      bool& have = key == "outside" ? haveOutside : haveInside;
      if (have) return configError(line, "'" + key + "' given twice");
      auto selector = parseInterfaceSelector(line, line.words[1]);
      if (!selector) return std::unexpected(selector.error());
      (key == "outside" ? config.outside : config.inside) = *selector;
      have = true;
    } else if (key == "rule") {
      auto rule = parseRule(line);
      if (!rule) return std::unexpected(rule.error());
      config.rules.push_back(*rule);
      haveRules = true;
    } else if (key == "policy") {
      if (auto ok = expectArguments(line, 1, 1); !ok) return std::unexpected(ok.error());
      if (havePolicy) return configError(line, "'policy' given twice");
      if (line.words[1] == "accept")
        config.policy = Action::Accept;
      else if (line.words[1] == "drop")
        config.policy = Action::Drop;
      else
        return configError(line, "policy must be accept or drop");
      havePolicy = true;
    } else if (key == "non-ip") {
      if (auto ok = expectArguments(line, 1, 1); !ok) return std::unexpected(ok.error());
      if (line.words[1] == "pass")
        config.passNonIp = true;
      else if (line.words[1] == "drop")
        config.passNonIp = false;
      else
        return configError(line, "non-ip must be pass or drop");
    } else if (key == "log-rate") {
      if (auto ok = expectArguments(line, 1, 1); !ok) return std::unexpected(ok.error());
      auto rate = parseUnsigned(line.words[1], 1, 100000);
      if (!rate) return configError(line, "log-rate must be 1..100000 lines per second");
      config.logLinesPerSecond = static_cast<unsigned>(*rate);
    } else {
      return configError(line, "unknown directive '" + key + "'");
    }
  }
  if (!haveOutside || !haveInside)
    return std::unexpected(ConfigError{0, "both 'outside' and 'inside' interfaces are required"});
  if (config.outside.name == config.inside.name && config.outside.mac == config.inside.mac)
    return std::unexpected(ConfigError{0, "'outside' and 'inside' name the same interface"});
  if (!haveRules) config.rules = defaultRules();
  return config;
}

KernelNetworkSetup kernelNetworkSetup(const FirewallConfig& config) {
  return linkOnlySetup({config.outside, config.inside});
}

}  // namespace stele::services::firewall
