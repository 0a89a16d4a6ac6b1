#include "scheduler/health/dns_probe_message.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <optional>

namespace stele::scheduler::health {

namespace {

constexpr std::uint16_t kTypeA = 1, kTypeNs = 2, kTypeCname = 5, kTypeSoa = 6, kTypeTxt = 16,
                        kTypeAaaa = 28, kClassIn = 1;

std::optional<std::uint16_t> typeCode(const std::string& type) {
  std::string upper;
  for (char c : type) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper == "A") return kTypeA;
  if (upper == "AAAA") return kTypeAaaa;
  if (upper == "CNAME") return kTypeCname;
  if (upper == "NS") return kTypeNs;
  if (upper == "TXT") return kTypeTxt;
  if (upper == "SOA") return kTypeSoa;
  return std::nullopt;
}

std::string lowerNoFinalDot(std::string name) {
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!name.empty() && name.back() == '.') name.pop_back();
  return name;
}

// Appends `name` (lowercase, no final dot) in wire form; false if a label is empty or long.
bool appendWireName(const std::string& name, std::vector<std::uint8_t>& out) {
  if (name.size() > 253) return false;
  std::size_t start = 0;
  while (!name.empty() && start <= name.size()) {
    std::size_t dot = std::min(name.find('.', start), name.size());
    std::size_t length = dot - start;
    if (length == 0 || length > 63) return false;
    out.push_back(static_cast<std::uint8_t>(length));
    for (std::size_t i = start; i < dot; ++i) {
      unsigned char c = static_cast<unsigned char>(name[i]);
      if (c <= 0x20 || c >= 0x7f) return false;
      out.push_back(c);
    }
    start = dot + 1;
  }
  out.push_back(0);
  return true;
}

void put16(std::vector<std::uint8_t>& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value & 0xff));
}

std::uint16_t get16(std::span<const std::uint8_t> m, std::size_t at) {
  return static_cast<std::uint16_t>((m[at] << 8) | m[at + 1]);
}

// Reads a possibly compressed name at `at`; sets `end` to the byte after it in place.
std::optional<std::string> readName(std::span<const std::uint8_t> m, std::size_t at,
                                    std::size_t& end) {
  std::string name;
  bool jumped = false;
  for (int hops = 0; hops < 128; ++hops) {
    if (at >= m.size()) return std::nullopt;
    std::uint8_t length = m[at];
    if ((length & 0xc0) == 0xc0) {
      if (at + 1 >= m.size()) return std::nullopt;
      if (!jumped) end = at + 2;
      jumped = true;
      at = static_cast<std::size_t>(((length & 0x3f) << 8) | m[at + 1]);
      continue;
    }
    if (length & 0xc0) return std::nullopt;
    if (length == 0) {
      if (!jumped) end = at + 1;
      return name;
    }
    if (at + 1 + length > m.size() || name.size() + length + 1 > 255) return std::nullopt;
    if (!name.empty()) name += '.';
    for (std::size_t i = 0; i < length; ++i) name += static_cast<char>(std::tolower(m[at + 1 + i]));
    at += 1 + length;
  }
  return std::nullopt;
}

const char* rcodeName(int rcode) {
  switch (rcode) {
    case 1:
      return "FORMERR";
    case 2:
      return "SERVFAIL";
    case 3:
      return "NXDOMAIN";
    case 4:
      return "NOTIMP";
    case 5:
      return "REFUSED";
  }
  return nullptr;
}

// The record's value in the normalised form `expect` uses, or nullopt if malformed.
std::optional<std::vector<std::uint8_t>> normalisedValue(std::span<const std::uint8_t> m,
                                                         std::uint16_t type, std::size_t at,
                                                         std::size_t length) {
  if (type == kTypeCname || type == kTypeNs) {
    std::size_t end = 0;
    auto name = readName(m, at, end);
    if (!name) return std::nullopt;
    return std::vector<std::uint8_t>(name->begin(), name->end());
  }
  if (type == kTypeTxt) {
    std::vector<std::uint8_t> text;
    std::size_t i = at;
    while (i < at + length) {
      std::size_t n = m[i];
      if (i + 1 + n > at + length) return std::nullopt;
      text.insert(text.end(), m.begin() + static_cast<long>(i + 1),
                  m.begin() + static_cast<long>(i + 1 + n));
      i += 1 + n;
    }
    return text;
  }
  return std::vector<std::uint8_t>(m.begin() + static_cast<long>(at),
                                   m.begin() + static_cast<long>(at + length));
}

DnsReplyCheck failed(std::string detail) { return {DnsReplyVerdict::Failed, std::move(detail)}; }

}  // namespace

Result<DnsProbeQuery> buildDnsProbeQuery(const DnsCheck& check, std::uint16_t id) {
  DnsProbeQuery query;
  query.id = id;
  auto type = typeCode(check.type);
  if (!type)
    return fail(
        ErrorKind::InvalidArgument, "health_dns_type",
        "healthCheck.dns.type: '" + check.type + "' is not one of A, AAAA, CNAME, NS, TXT, SOA");
  query.type = *type;
  query.name = lowerNoFinalDot(check.name);
  if (check.name.empty())
    return fail(ErrorKind::InvalidArgument, "health_dns_name", "healthCheck.dns.name: empty");
  put16(query.wire, id);
  put16(query.wire, 0);  // a standard query, no recursion wanted: the appliance is authoritative
  put16(query.wire, 1);
  put16(query.wire, 0);
  put16(query.wire, 0);
  put16(query.wire, 0);
  if (!appendWireName(query.name, query.wire))
    return fail(ErrorKind::InvalidArgument, "health_dns_name",
                "healthCheck.dns.name: '" + check.name + "' is not a DNS name");
  put16(query.wire, query.type);
  put16(query.wire, kClassIn);

  const std::string& expect = check.expect;
  if (expect.empty()) return query;
  if (query.type == kTypeA || query.type == kTypeAaaa) {
    std::uint8_t bytes[16];
    int family = query.type == kTypeA ? AF_INET : AF_INET6;
    if (inet_pton(family, expect.c_str(), bytes) != 1)
      return fail(ErrorKind::InvalidArgument, "health_dns_expect",
                  "healthCheck.dns.expect: '" + expect + "' is not an " + check.type + " address");
    query.expect.assign(bytes, bytes + (family == AF_INET ? 4 : 16));
  } else if (query.type == kTypeCname || query.type == kTypeNs) {
    std::string name = lowerNoFinalDot(expect);
    query.expect.assign(name.begin(), name.end());
  } else if (query.type == kTypeTxt) {
    query.expect.assign(expect.begin(), expect.end());
  } else {
    return fail(ErrorKind::InvalidArgument, "health_dns_expect",
                "healthCheck.dns.expect: not supported for type " + check.type);
  }
  return query;
}

DnsReplyCheck checkDnsProbeReply(const DnsProbeQuery& query, std::span<const std::uint8_t> m) {
  if (m.size() < 12 || get16(m, 0) != query.id || !(m[2] & 0x80)) return {};
  // Is it the answer to our question? A reply to another question is not ours.
  if (get16(m, 4) != 1) return {};
  std::size_t at = 12;
  auto name = readName(m, at, at);
  if (!name || at + 4 > m.size() || *name != query.name || get16(m, at) != query.type ||
      get16(m, at + 2) != kClassIn)
    return {};
  at += 4;
  int opcode = (m[2] >> 3) & 0x0f, rcode = m[3] & 0x0f;
  if (opcode != 0) return failed("dns malformed reply");
  if (rcode != 0) {
    const char* known = rcodeName(rcode);
    return failed(known ? std::string("dns ") + known : "dns rcode " + std::to_string(rcode));
  }
  if (m[2] & 0x02) return failed("dns truncated");

  int answers = get16(m, 6), matched = 0, ofType = 0;
  for (int i = 0; i < answers; ++i) {
    if (!readName(m, at, at) || at + 10 > m.size()) return failed("dns malformed reply");
    std::uint16_t type = get16(m, at), rclass = get16(m, at + 2);
    std::size_t length = get16(m, at + 8);
    at += 10;
    if (at + length > m.size()) return failed("dns malformed reply");
    if (type == query.type && rclass == kClassIn) {
      ++ofType;
      if (!query.expect.empty()) {
        auto value = normalisedValue(m, type, at, length);
        if (!value) return failed("dns malformed reply");
        if (*value == query.expect) ++matched;
      }
    }
    at += length;
  }
  if (answers == 0) return failed("dns no answer");
  if (query.expect.empty()) return {DnsReplyVerdict::Ok, "dns ok"};
  if (matched > 0) return {DnsReplyVerdict::Ok, "dns ok"};
  return failed(ofType == 0 ? "dns no answer of that type" : "dns answer differs");
}

}  // namespace stele::scheduler::health
