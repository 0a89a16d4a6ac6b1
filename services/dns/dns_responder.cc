#include "dns/dns_responder.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

#include "dns/dns_message.h"
#include "dns/dns_name.h"

namespace stele::services::dns {

namespace {

struct Edns {
  std::uint16_t payload = 512;
  std::uint8_t version = 0;
};

struct ParsedQuery {
  Header header;
  std::optional<Question> question;
  std::optional<Edns> edns;
};

struct OwnedRecord {
  std::string owner;
  const ZoneRecord* record;
};

struct Answer {
  Rcode rcode = Rcode::NoError;
  bool authoritative = false;
  std::vector<OwnedRecord> answer;
  std::vector<OwnedRecord> authority;
  std::vector<OwnedRecord> additional;
};

// Parses what a query needs; an error value means FORMERR (with whatever parsed).
std::expected<ParsedQuery, ParsedQuery> parseQuery(std::span<const std::uint8_t> bytes,
                                                   const Header& header) {
  MessageReader reader(bytes);
  ParsedQuery query;
  query.header = *reader.header();
  if (header.questionCount != 1) return std::unexpected(query);
  auto question = reader.question();
  if (!question) return std::unexpected(query);
  query.question = std::move(*question);
  int records = header.answerCount + header.authorityCount;
  for (int i = 0; i < records; ++i)
    if (!reader.record()) return std::unexpected(query);
  for (int i = 0; i < header.additionalCount; ++i) {
    auto record = reader.record();
    if (!record) return std::unexpected(query);
    if (record->type == rrtype::kOpt) {
      if (query.edns || record->name.size() != 1) return std::unexpected(query);
      query.edns = Edns{std::max<std::uint16_t>(record->klass, 512),
                        static_cast<std::uint8_t>(record->ttl >> 16)};
    }
  }
  if (reader.remaining() != 0) return std::unexpected(query);
  return query;
}

void addGlue(const Zone& zone, const ZoneNode& nsNode, Answer& answer) {
  for (const ZoneRecord& ns : nsNode.records) {
    if (ns.type != rrtype::kNs || !isSubdomain(ns.firstName, zone.apex())) continue;
    const ZoneNode* target = zone.find(ns.firstName);
    if (target == nullptr) continue;
    for (const ZoneRecord& r : target->records)
      if (r.type == rrtype::kA || r.type == rrtype::kAaaa)
        answer.additional.push_back(OwnedRecord{ns.firstName, &r});
  }
}

void addNegativeSoa(const Zone& zone, Answer& answer) {
  answer.authority.push_back(OwnedRecord{zone.apex(), &zone.soa()});
}

// The delegation point strictly below the apex that covers `name`, if any.
const ZoneNode* findDelegation(const Zone& zone, std::string_view name, std::string& point) {
  std::vector<std::string_view> ancestors;
  for (std::string_view n = name; n.size() > zone.apex().size(); n = parentName(n))
    ancestors.push_back(n);
  for (auto it = ancestors.rbegin(); it != ancestors.rend(); ++it) {
    const ZoneNode* node = zone.find(*it);
    if (node != nullptr && node->has(rrtype::kNs)) {
      point.assign(*it);
      return node;
    }
  }
  return nullptr;
}

Answer resolve(const ZoneSet& zones, const Zone& firstZone, std::string name, std::uint16_t qtype) {
  Answer answer;
  answer.authoritative = true;
  const Zone* zone = &firstZone;
  for (int hop = 0; hop < 8; ++hop) {
    std::string delegationPoint;
    if (const ZoneNode* cut = findDelegation(*zone, name, delegationPoint)) {
      if (hop == 0) answer.authoritative = false;
      for (const ZoneRecord& r : cut->records)
        if (r.type == rrtype::kNs) answer.authority.push_back(OwnedRecord{delegationPoint, &r});
      addGlue(*zone, *cut, answer);
      return answer;
    }
    const ZoneNode* node = zone->find(name);
    if (node == nullptr) {
      if (!zone->nameExists(name)) answer.rcode = Rcode::NxDomain;
      addNegativeSoa(*zone, answer);
      return answer;
    }
    bool matched = false;
    for (const ZoneRecord& r : node->records) {
      if (r.type == qtype || qtype == rrtype::kAny) {
        answer.answer.push_back(OwnedRecord{name, &r});
        matched = true;
      }
    }
    if (matched) {
      if (qtype == rrtype::kNs) addGlue(*zone, *node, answer);
      return answer;
    }
    auto cname = std::find_if(node->records.begin(), node->records.end(),
                              [](const ZoneRecord& r) { return r.type == rrtype::kCname; });
    if (cname == node->records.end()) {
      addNegativeSoa(*zone, answer);
      return answer;
    }
    answer.answer.push_back(OwnedRecord{name, &*cname});
    const Zone* next = zones.findZone(cname->firstName);
    if (next == nullptr) return answer;  // target outside our authority: client follows it
    zone = next;
    name = cname->firstName;
  }
  return answer;  // CNAME chain too long: answer with what we have
}

void writeRecord(MessageWriter& writer, std::string_view owner, const ZoneRecord& record,
                 std::uint32_t ttl) {
  writer.name(owner);
  writer.u16(record.type);
  writer.u16(kClassIn);
  writer.u32(ttl);
  std::size_t lengthAt = writer.size();
  writer.u16(0);
  if (record.type == rrtype::kNs || record.type == rrtype::kCname || record.type == rrtype::kSoa)
    writer.name(record.firstName);
  if (record.type == rrtype::kSoa) writer.name(record.secondName);
  writer.bytes(record.fixedData);
  writer.patchU16(lengthAt, static_cast<std::uint16_t>(writer.size() - lengthAt - 2));
}

std::uint32_t soaMinimum(const ZoneRecord& soa) {
  const auto* data = reinterpret_cast<const std::uint8_t*>(soa.fixedData.data());
  return (std::uint32_t{data[16]} << 24) | (std::uint32_t{data[17]} << 16) |
         (std::uint32_t{data[18]} << 8) | data[19];
}

struct ResponseShape {
  const ParsedQuery* query;
  Rcode rcode;
  bool authoritative;
  bool truncated;
  const Answer* answer;  // nullptr: no record sections
};

void writeResponse(const ResponseShape& shape, std::vector<std::uint8_t>& out) {
  out.clear();
  MessageWriter writer(out);
  const Header& q = shape.query->header;
  auto rcode = static_cast<std::uint16_t>(shape.rcode);
  Header h;
  h.id = q.id;
  h.flags = static_cast<std::uint16_t>(flag::kQr | (q.flags & 0x7800) | (q.flags & flag::kRd) |
                                       (rcode & 0xf));
  if (shape.authoritative) h.flags |= flag::kAa;
  if (shape.truncated) h.flags |= flag::kTc;
  h.questionCount = shape.query->question ? 1 : 0;
  if (shape.answer != nullptr) {
    h.answerCount = static_cast<std::uint16_t>(shape.answer->answer.size());
    h.authorityCount = static_cast<std::uint16_t>(shape.answer->authority.size());
    h.additionalCount = static_cast<std::uint16_t>(shape.answer->additional.size());
  }
  bool withEdns = shape.query->edns.has_value() && shape.rcode != Rcode::FormErr;
  if (withEdns) ++h.additionalCount;
  writer.header(h);
  if (shape.query->question) {
    writer.name(shape.query->question->name);
    writer.u16(shape.query->question->type);
    writer.u16(shape.query->question->klass);
  }
  if (shape.answer != nullptr) {
    for (const auto& r : shape.answer->answer)
      writeRecord(writer, r.owner, *r.record, r.record->ttl);
    for (const auto& r : shape.answer->authority) {
      std::uint32_t ttl = r.record->ttl;
      if (r.record->type == rrtype::kSoa) ttl = std::min(ttl, soaMinimum(*r.record));
      writeRecord(writer, r.owner, *r.record, ttl);
    }
    for (const auto& r : shape.answer->additional)
      writeRecord(writer, r.owner, *r.record, r.record->ttl);
  }
  if (withEdns) {
    writer.u8(0);
    writer.u16(rrtype::kOpt);
    writer.u16(kAdvertisedUdpPayload);
    writer.u32(static_cast<std::uint32_t>(rcode >> 4) << 24);
    writer.u16(0);
  }
}

}  // namespace

bool answerQuery(const ZoneSet& zones, std::span<const std::uint8_t> bytes, Transport transport,
                 std::vector<std::uint8_t>& response) {
  MessageReader reader(bytes);
  auto header = reader.header();
  if (!header || header->has(flag::kQr)) return false;
  ParsedQuery headerOnly{*header, std::nullopt, std::nullopt};
  if (header->opcode() != 0) {
    writeResponse({&headerOnly, Rcode::NotImp, false, false, nullptr}, response);
    return true;
  }
  auto parsed = parseQuery(bytes, *header);
  if (!parsed) {
    writeResponse({&parsed.error(), Rcode::FormErr, false, false, nullptr}, response);
    return true;
  }
  const ParsedQuery& query = *parsed;
  if (!query.question) {  // parseQuery gives one when it succeeds; never trust that blindly
    writeResponse({&query, Rcode::FormErr, false, false, nullptr}, response);
    return true;
  }
  const Question& question = *query.question;
  if (query.edns && query.edns->version != 0) {
    writeResponse({&query, Rcode::BadVers, false, false, nullptr}, response);
    return true;
  }
  if (question.type == rrtype::kOpt) {
    writeResponse({&query, Rcode::FormErr, false, false, nullptr}, response);
    return true;
  }
  std::string name = lowercaseName(question.name);
  const Zone* zone = zones.findZone(name);
  bool servedClass = question.klass == kClassIn || question.klass == kClassAny;
  bool transfer = question.type == rrtype::kAxfr || question.type == rrtype::kIxfr;
  if (zone == nullptr || !servedClass || transfer) {
    writeResponse({&query, Rcode::Refused, false, false, nullptr}, response);
    return true;
  }
  Answer answer = resolve(zones, *zone, name, question.type);
  // Owners equal to the question name are written in the client's case.
  for (auto& r : answer.answer)
    if (r.owner == name) r.owner = question.name;
  ResponseShape shape{&query, answer.rcode, answer.authoritative, false, &answer};
  writeResponse(shape, response);
  std::size_t limit = 65535;
  if (transport == Transport::Udp)
    limit = query.edns ? std::clamp<std::size_t>(query.edns->payload, kPlainUdpLimit, kMaxUdpLimit)
                       : kPlainUdpLimit;
  if (response.size() > limit) {
    shape.truncated = true;
    shape.answer = nullptr;
    writeResponse(shape, response);
  }
  return true;
}

}  // namespace stele::services::dns
