#include "dns/dns_message.h"

#include "dns/dns_name.h"

namespace stele::services::dns {

std::string_view describe(ParseError error) {
  switch (error) {
    case ParseError::TooShort:
      return "shorter than a DNS header";
    case ParseError::Truncated:
      return "truncated";
    case ParseError::BadName:
      return "malformed name";
    case ParseError::BadPointer:
      return "bad compression pointer";
    case ParseError::BadRdata:
      return "malformed rdata";
    case ParseError::TrailingBytes:
      return "trailing bytes";
  }
  return "unknown";
}

std::expected<std::uint16_t, ParseError> MessageReader::u16() {
  if (remaining() < 2) return std::unexpected(ParseError::Truncated);
  std::uint16_t value =
      static_cast<std::uint16_t>((message_[offset_] << 8) | message_[offset_ + 1]);
  offset_ += 2;
  return value;
}

std::expected<std::uint32_t, ParseError> MessageReader::u32() {
  auto high = u16();
  if (!high) return std::unexpected(high.error());
  auto low = u16();
  if (!low) return std::unexpected(low.error());
  return (static_cast<std::uint32_t>(*high) << 16) | *low;
}

std::expected<Header, ParseError> MessageReader::header() {
  if (message_.size() < kHeaderSize) return std::unexpected(ParseError::TooShort);
  Header h;
  h.id = *u16();
  h.flags = *u16();
  h.questionCount = *u16();
  h.answerCount = *u16();
  h.authorityCount = *u16();
  h.additionalCount = *u16();
  return h;
}

std::expected<std::string, ParseError> MessageReader::nameAt(std::size_t& offset) const {
  std::string wire;
  std::size_t position = offset;
  bool jumped = false;
  // Each pointer must point strictly before the label that holds it, so no loop can
  // form; the jump cap is a second guard.
  std::size_t lowestPointerSource = position;
  int jumps = 0;
  while (true) {
    if (position >= message_.size()) return std::unexpected(ParseError::Truncated);
    std::uint8_t length = message_[position];
    if ((length & 0xc0) == 0xc0) {
      if (position + 1 >= message_.size()) return std::unexpected(ParseError::Truncated);
      std::size_t target =
          static_cast<std::size_t>(((length & 0x3f) << 8) | message_[position + 1]);
      if (target >= lowestPointerSource || ++jumps > 64)
        return std::unexpected(ParseError::BadPointer);
      if (!jumped) offset = position + 2;
      jumped = true;
      lowestPointerSource = target;
      position = target;
      continue;
    }
    if ((length & 0xc0) != 0) return std::unexpected(ParseError::BadName);
    if (position + 1 + length > message_.size()) return std::unexpected(ParseError::Truncated);
    wire.push_back(static_cast<char>(length));
    if (length == 0) {
      if (!jumped) offset = position + 1;
      break;
    }
    wire.append(reinterpret_cast<const char*>(message_.data() + position + 1), length);
    if (wire.size() + 1 > kMaxNameLength) return std::unexpected(ParseError::BadName);
    position += 1u + length;
  }
  return wire;
}

std::expected<std::string, ParseError> MessageReader::name() { return nameAt(offset_); }

std::expected<Question, ParseError> MessageReader::question() {
  Question q;
  auto name = this->name();
  if (!name) return std::unexpected(name.error());
  q.name = std::move(*name);
  auto type = u16();
  if (!type) return std::unexpected(type.error());
  auto klass = u16();
  if (!klass) return std::unexpected(klass.error());
  q.type = *type;
  q.klass = *klass;
  return q;
}

std::expected<Record, ParseError> MessageReader::record() {
  Record r;
  auto name = this->name();
  if (!name) return std::unexpected(name.error());
  r.name = std::move(*name);
  auto type = u16();
  auto klass = type ? u16() : type;
  auto ttl =
      klass ? u32() : std::expected<std::uint32_t, ParseError>(std::unexpected(klass.error()));
  auto length =
      ttl ? u16() : std::expected<std::uint16_t, ParseError>(std::unexpected(ttl.error()));
  if (!length) return std::unexpected(length.error());
  r.type = *type;
  r.klass = *klass;
  r.ttl = *ttl;
  if (remaining() < *length) return std::unexpected(ParseError::Truncated);
  std::size_t start = offset_;
  std::size_t end = start + *length;
  auto expandNameInRdata = [&](std::size_t& position) -> std::expected<void, ParseError> {
    if (position >= end) return std::unexpected(ParseError::BadRdata);
    auto inner = nameAt(position);
    if (!inner) return std::unexpected(inner.error());
    if (position > end) return std::unexpected(ParseError::BadRdata);
    r.rdata += *inner;
    return {};
  };
  std::size_t position = start;
  switch (r.type) {
    case rrtype::kNs:
    case rrtype::kCname: {
      if (auto ok = expandNameInRdata(position); !ok) return std::unexpected(ok.error());
      if (position != end) return std::unexpected(ParseError::BadRdata);
      break;
    }
    case rrtype::kSoa: {
      if (auto ok = expandNameInRdata(position); !ok) return std::unexpected(ok.error());
      if (auto ok = expandNameInRdata(position); !ok) return std::unexpected(ok.error());
      if (end - position != 20) return std::unexpected(ParseError::BadRdata);
      r.rdata.append(reinterpret_cast<const char*>(message_.data() + position), 20);
      break;
    }
    case rrtype::kA:
      if (*length != 4) return std::unexpected(ParseError::BadRdata);
      [[fallthrough]];
    default:
      if (r.type == rrtype::kAaaa && *length != 16) return std::unexpected(ParseError::BadRdata);
      r.rdata.assign(reinterpret_cast<const char*>(message_.data() + start), *length);
      break;
  }
  offset_ = end;
  return r;
}

std::expected<Message, ParseError> parseMessage(std::span<const std::uint8_t> bytes) {
  MessageReader reader(bytes);
  Message message;
  auto header = reader.header();
  if (!header) return std::unexpected(header.error());
  message.header = *header;
  for (int i = 0; i < header->questionCount; ++i) {
    auto q = reader.question();
    if (!q) return std::unexpected(q.error());
    message.questions.push_back(std::move(*q));
  }
  struct Section {
    std::uint16_t count;
    std::vector<Record>* records;
  };
  for (Section section : {Section{header->answerCount, &message.answers},
                          Section{header->authorityCount, &message.authority},
                          Section{header->additionalCount, &message.additional}}) {
    for (int i = 0; i < section.count; ++i) {
      auto r = reader.record();
      if (!r) return std::unexpected(r.error());
      section.records->push_back(std::move(*r));
    }
  }
  if (reader.remaining() != 0) return std::unexpected(ParseError::TrailingBytes);
  return message;
}

void MessageWriter::u16(std::uint16_t value) {
  out_.push_back(static_cast<std::uint8_t>(value >> 8));
  out_.push_back(static_cast<std::uint8_t>(value));
}

void MessageWriter::u32(std::uint32_t value) {
  u16(static_cast<std::uint16_t>(value >> 16));
  u16(static_cast<std::uint16_t>(value));
}

void MessageWriter::bytes(std::string_view data) {
  out_.insert(out_.end(), data.begin(), data.end());
}

void MessageWriter::patchU16(std::size_t offset, std::uint16_t value) {
  out_[offset] = static_cast<std::uint8_t>(value >> 8);
  out_[offset + 1] = static_cast<std::uint8_t>(value);
}

void MessageWriter::header(const Header& h) {
  u16(h.id);
  u16(h.flags);
  u16(h.questionCount);
  u16(h.answerCount);
  u16(h.authorityCount);
  u16(h.additionalCount);
}

void MessageWriter::name(std::string_view wire) {
  std::string lower = lowercaseName(wire);
  std::string_view rest = lower;
  std::size_t consumed = 0;
  while (rest.size() > 1) {
    for (const Suffix& known : suffixes_) {
      if (known.lowercaseWire == rest) {
        bytes(wire.substr(0, consumed));
        u16(static_cast<std::uint16_t>(0xc000 | known.offset));
        return;
      }
    }
    std::size_t here = out_.size() + consumed;
    if (here < 0x3fff && suffixes_.size() < 128)
      suffixes_.push_back(Suffix{std::string(rest), static_cast<std::uint16_t>(here)});
    std::size_t label = static_cast<unsigned char>(rest[0]) + 1u;
    consumed += label;
    rest.remove_prefix(label);
  }
  bytes(wire.substr(0, consumed));
  u8(0);
}

std::string txtRdata(const std::vector<std::string>& strings) {
  std::string rdata;
  for (const std::string& text : strings) {
    std::size_t start = 0;
    do {
      std::size_t chunk = std::min<std::size_t>(255, text.size() - start);
      rdata.push_back(static_cast<char>(chunk));
      rdata.append(text, start, chunk);
      start += chunk;
    } while (start < text.size());
  }
  return rdata;
}

}  // namespace stele::services::dns
