// Builders for DNS test queries and a standard test zone config.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dns/dns_config.h"
#include "dns/dns_message.h"
#include "dns/dns_name.h"

namespace stele::services::dns::testing {

inline std::vector<std::uint8_t> makeQuery(const std::string& name, std::uint16_t type,
                                           std::optional<std::uint16_t> ednsPayload = std::nullopt,
                                           std::uint16_t id = 0x1234,
                                           std::uint16_t klass = kClassIn) {
  std::vector<std::uint8_t> out;
  MessageWriter writer(out);
  Header h;
  h.id = id;
  h.flags = flag::kRd;
  h.questionCount = 1;
  h.additionalCount = ednsPayload ? 1 : 0;
  writer.header(h);
  writer.name(*nameFromText(name));
  writer.u16(type);
  writer.u16(klass);
  if (ednsPayload) {
    writer.u8(0);
    writer.u16(rrtype::kOpt);
    writer.u16(*ednsPayload);
    writer.u32(0);
    writer.u16(0);
  }
  return out;
}

inline const char* kTestZoneConfig = R"(instance dns-test
version 9.9.9
listen 192.0.2.53
zone example.test
record @ 3600 SOA ns1 hostmaster 2024010101 7200 3600 1209600 300
record @ 3600 NS ns1
record @ 3600 NS ns2.example.test.
record ns1 3600 A 192.0.2.53
record ns2 3600 A 192.0.2.54
record www 300 A 192.0.2.10
record www 300 A 192.0.2.11
record www 300 AAAA 2001:db8::10
record alias 300 CNAME www
record chain 300 CNAME alias
record outside 300 CNAME www.example.org.
record @ 300 TXT "v=stele" "hello world"
record a.b.deep 60 A 192.0.2.99
record sub 300 NS ns.sub
record ns.sub 300 A 192.0.2.77
zone other.test
record @ 60 SOA ns1.example.test. hostmaster.example.test. 1 60 60 60 30
record @ 60 NS ns1.example.test.
record big 60 TXT "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
record big 60 TXT "1123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
record big 60 TXT "2123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
)";

}  // namespace stele::services::dns::testing
