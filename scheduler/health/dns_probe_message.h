// The bytes of a DNS health probe: the query it sends (a random id, one question, class IN)
// and the check of a reply: id, QR, opcode, TC, RCODE, the echoed question, then the answer
// records against what the check expects. Pure; unit-tested.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/error.h"
#include "scheduler/health/health_check.h"

namespace stele::scheduler::health {

struct DnsProbeQuery {
  std::uint16_t id = 0;
  std::uint16_t type = 0;
  std::string name;                  // lowercase, no final dot ("" = the root)
  std::vector<std::uint8_t> expect;  // normalised expected value (empty = any answer)
  std::vector<std::uint8_t> wire;    // the query message
};

// Refuses a name that is not a DNS name, an unsupported type (A, AAAA, CNAME, NS, TXT, SOA
// are supported; SOA only without `expect`) and an `expect` the type cannot hold.
Result<DnsProbeQuery> buildDnsProbeQuery(const DnsCheck& check, std::uint16_t id);

enum class DnsReplyVerdict {
  NotOurs,  // too short, another id, not a response or another question: keep waiting
  Ok,
  Failed,
};
struct DnsReplyCheck {
  DnsReplyVerdict verdict = DnsReplyVerdict::NotOurs;
  std::string detail;  // "dns ok", "dns NXDOMAIN", "dns no answer", "dns malformed reply"...
};

DnsReplyCheck checkDnsProbeReply(const DnsProbeQuery& query, std::span<const std::uint8_t> reply);

}  // namespace stele::scheduler::health
