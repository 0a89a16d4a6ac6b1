#include "dns/dns_config.h"

#include <arpa/inet.h>

#include <algorithm>

#include "dns/dns_message.h"
#include "dns/dns_name.h"

namespace stele::services::dns {

namespace {

// Resolves an owner or target word against the current origin: "@" is the origin, a
// trailing dot makes it absolute, anything else is relative to the origin.
std::expected<std::string, ConfigError> resolveName(const ConfigLine& line, const std::string& word,
                                                    const std::string& origin) {
  std::optional<std::string> wire;
  if (word == "@") {
    wire = origin;
  } else if (!word.empty() && word.back() == '.') {
    wire = nameFromText(word);
  } else {
    auto relative = nameFromText(word);
    if (relative) {
      std::string joined = relative->substr(0, relative->size() - 1) + origin;
      if (joined.size() <= kMaxNameLength) wire = joined;
    }
  }
  if (!wire) return configError(line, "'" + word + "' is not a valid domain name");
  return lowercaseName(*wire);
}

std::expected<std::uint32_t, ConfigError> parseU32(const ConfigLine& line, const std::string& word,
                                                   const char* what, std::uint64_t max) {
  auto value = parseUnsigned(word, 0, max);
  if (!value)
    return configError(line,
                       std::string(what) + " '" + word + "' must be 0.." + std::to_string(max));
  return static_cast<std::uint32_t>(*value);
}

std::string bigEndian32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

std::expected<ZoneRecord, ConfigError> parseRecordData(const ConfigLine& line,
                                                       const std::string& type,
                                                       const std::string& origin) {
  const auto& w = line.words;
  auto argumentsAfterType = w.size() - 4;  // record OWNER TTL TYPE ...
  auto needExactly = [&](std::size_t n) -> std::expected<void, ConfigError> {
    if (argumentsAfterType != n)
      return configError(line, type + " record takes " + std::to_string(n) + " value(s), got " +
                                   std::to_string(argumentsAfterType));
    return {};
  };
  ZoneRecord record;
  if (type == "A") {
    if (auto ok = needExactly(1); !ok) return std::unexpected(ok.error());
    auto address = parseIpv4(w[4]);
    if (!address) return configError(line, "'" + w[4] + "' is not an IPv4 address");
    record.type = rrtype::kA;
    record.fixedData = bigEndian32(address->value);
  } else if (type == "AAAA") {
    if (auto ok = needExactly(1); !ok) return std::unexpected(ok.error());
    auto address = parseIpv6(w[4]);
    if (!address) return configError(line, "'" + w[4] + "' is not an IPv6 address");
    record.type = rrtype::kAaaa;
    record.fixedData.assign(reinterpret_cast<const char*>(address->data()), 16);
  } else if (type == "CNAME" || type == "NS") {
    if (auto ok = needExactly(1); !ok) return std::unexpected(ok.error());
    auto target = resolveName(line, w[4], origin);
    if (!target) return std::unexpected(target.error());
    record.type = type == "NS" ? rrtype::kNs : rrtype::kCname;
    record.firstName = *target;
  } else if (type == "SOA") {
    if (auto ok = needExactly(7); !ok) return std::unexpected(ok.error());
    auto mname = resolveName(line, w[4], origin);
    if (!mname) return std::unexpected(mname.error());
    auto rname = resolveName(line, w[5], origin);
    if (!rname) return std::unexpected(rname.error());
    record.type = rrtype::kSoa;
    record.firstName = *mname;
    record.secondName = *rname;
    static constexpr const char* kCounters[] = {"serial", "refresh", "retry", "expire", "minimum"};
    for (int i = 0; i < 5; ++i) {
      auto value = parseU32(line, w[6 + i], kCounters[i], 0xffffffffu);
      if (!value) return std::unexpected(value.error());
      record.fixedData += bigEndian32(*value);
    }
  } else if (type == "TXT") {
    if (argumentsAfterType < 1) return configError(line, "TXT record needs at least one string");
    std::vector<std::string> strings(w.begin() + 4, w.end());
    record.type = rrtype::kTxt;
    record.fixedData = txtRdata(strings);
    if (record.fixedData.size() > 4000) return configError(line, "TXT data longer than 4000 bytes");
  } else {
    return configError(line, "record type '" + type + "' is not one of A AAAA CNAME NS SOA TXT");
  }
  return record;
}

}  // namespace

std::expected<DnsConfig, ConfigError> parseDnsConfig(std::string_view text) {
  auto lines = tokenizeConfig(text);
  if (!lines) return std::unexpected(lines.error());
  DnsConfig config;
  const HostServiceSettings settings{config.identity, config.network, config.listen, 53};
  std::optional<std::size_t> currentZone;
  std::vector<int> zoneLines;
  for (const ConfigLine& line : *lines) {
    auto shared = applyHostServiceDirective(line, settings);
    if (!shared) return std::unexpected(shared.error());
    if (*shared) continue;
    const std::string& key = line.key();
    if (key == "zone") {
      if (auto ok = expectArguments(line, 1, 1); !ok) return std::unexpected(ok.error());
      auto apex = nameFromText(line.words[1]);
      if (!apex) return configError(line, "'" + line.words[1] + "' is not a valid zone name");
      if (!config.zones.addZone(lowercaseName(*apex)))
        return configError(line, "zone " + line.words[1] + " declared twice");
      currentZone = config.zones.size() - 1;
      zoneLines.push_back(line.number);
    } else if (key == "record") {
      if (!currentZone) return configError(line, "record before any 'zone' line");
      if (line.argumentCount() < 3)
        return configError(line, "'record' takes OWNER TTL TYPE DATA...");
      Zone& zone = config.zones.zone(*currentZone);
      auto owner = resolveName(line, line.words[1], zone.apex());
      if (!owner) return std::unexpected(owner.error());
      auto ttl = parseU32(line, line.words[2], "TTL", 2147483647);
      if (!ttl) return std::unexpected(ttl.error());
      auto record = parseRecordData(line, line.words[3], zone.apex());
      if (!record) return std::unexpected(record.error());
      record->ttl = *ttl;
      if (auto added = zone.add(*owner, std::move(*record)); !added)
        return configError(line, added.error());
    } else {
      return configError(line, "unknown directive '" + key + "'");
    }
  }
  if (config.zones.size() == 0) return std::unexpected(ConfigError{0, "no 'zone' given"});
  for (std::size_t i = 0; i < config.zones.size(); ++i)
    if (auto valid = config.zones.zone(i).validate(); !valid)
      return std::unexpected(ConfigError{zoneLines[i], valid.error()});
  applyDefaultListen(settings);
  return config;
}

}  // namespace stele::services::dns
