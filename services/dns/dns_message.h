// DNS messages (RFC 1035, EDNS0 of RFC 6891): parsing with decompression and building
// with name compression. Pure; no I/O; never trusts its input.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace stele::services::dns {

namespace rrtype {
inline constexpr std::uint16_t kA = 1;
inline constexpr std::uint16_t kNs = 2;
inline constexpr std::uint16_t kCname = 5;
inline constexpr std::uint16_t kSoa = 6;
inline constexpr std::uint16_t kTxt = 16;
inline constexpr std::uint16_t kAaaa = 28;
inline constexpr std::uint16_t kOpt = 41;
inline constexpr std::uint16_t kIxfr = 251;
inline constexpr std::uint16_t kAxfr = 252;
inline constexpr std::uint16_t kAny = 255;
}  // namespace rrtype

inline constexpr std::uint16_t kClassIn = 1;
inline constexpr std::uint16_t kClassAny = 255;

enum class Rcode : std::uint16_t {
  NoError = 0,
  FormErr = 1,
  ServFail = 2,
  NxDomain = 3,
  NotImp = 4,
  Refused = 5,
  BadVers = 16,
};

namespace flag {
inline constexpr std::uint16_t kQr = 0x8000;
inline constexpr std::uint16_t kAa = 0x0400;
inline constexpr std::uint16_t kTc = 0x0200;
inline constexpr std::uint16_t kRd = 0x0100;
inline constexpr std::uint16_t kRa = 0x0080;
}  // namespace flag

inline constexpr std::size_t kHeaderSize = 12;

struct Header {
  std::uint16_t id = 0;
  std::uint16_t flags = 0;
  std::uint16_t questionCount = 0;
  std::uint16_t answerCount = 0;
  std::uint16_t authorityCount = 0;
  std::uint16_t additionalCount = 0;

  int opcode() const { return (flags >> 11) & 0xf; }
  int rcode() const { return flags & 0xf; }
  bool has(std::uint16_t bit) const { return (flags & bit) != 0; }
};

struct Question {
  std::string name;  // uncompressed wire form, case as received
  std::uint16_t type = 0;
  std::uint16_t klass = 0;
};

// A resource record. For NS, CNAME and SOA the names inside rdata are expanded
// (decompressed), so rdata is self-contained.
struct Record {
  std::string name;
  std::uint16_t type = 0;
  std::uint16_t klass = 0;
  std::uint32_t ttl = 0;
  std::string rdata;
};

struct Message {
  Header header;
  std::vector<Question> questions;
  std::vector<Record> answers;
  std::vector<Record> authority;
  std::vector<Record> additional;
};

enum class ParseError {
  TooShort,       // not even a header
  Truncated,      // a section runs past the end
  BadName,        // label too long, name too long, bad label type
  BadPointer,     // compression pointer forward, to itself, or looping
  BadRdata,       // rdata does not fit its type
  TrailingBytes,  // bytes after the last section
};

std::string_view describe(ParseError error);

// Reads wire data; offsets are checked on every access.
class MessageReader {
 public:
  explicit MessageReader(std::span<const std::uint8_t> message) : message_(message) {}

  std::size_t offset() const { return offset_; }
  std::size_t remaining() const { return message_.size() - offset_; }
  std::expected<Header, ParseError> header();
  std::expected<std::string, ParseError> name();
  std::expected<std::uint16_t, ParseError> u16();
  std::expected<std::uint32_t, ParseError> u32();
  std::expected<Question, ParseError> question();
  std::expected<Record, ParseError> record();

 private:
  std::expected<std::string, ParseError> nameAt(std::size_t& offset) const;
  std::span<const std::uint8_t> message_;
  std::size_t offset_ = 0;
};

std::expected<Message, ParseError> parseMessage(std::span<const std::uint8_t> message);

// Appends to a byte buffer, compressing names against those already written.
class MessageWriter {
 public:
  explicit MessageWriter(std::vector<std::uint8_t>& out) : out_(out) {}

  std::size_t size() const { return out_.size(); }
  void u8(std::uint8_t value) { out_.push_back(value); }
  void u16(std::uint16_t value);
  void u32(std::uint32_t value);
  void bytes(std::string_view data);
  void patchU16(std::size_t offset, std::uint16_t value);
  // Writes a wire name, replacing the longest suffix already written by a pointer.
  void name(std::string_view wire);
  // Writes a name without compression (and does not offer it for later compression).
  void uncompressedName(std::string_view wire) { bytes(wire); }
  void header(const Header& header);

 private:
  struct Suffix {
    std::string lowercaseWire;
    std::uint16_t offset;
  };
  std::vector<std::uint8_t>& out_;
  std::vector<Suffix> suffixes_;
};

// Encodes `text` as TXT rdata: character-strings of at most 255 bytes.
std::string txtRdata(const std::vector<std::string>& strings);

}  // namespace stele::services::dns
