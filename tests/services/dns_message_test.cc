#include "dns/dns_message.h"

#include <gtest/gtest.h>

#include "dns/dns_name.h"
#include "dns_test_support.h"

namespace stele::services::dns {
namespace {

TEST(DnsName, ConvertsBetweenTextAndWire) {
  auto wire = nameFromText("www.Example.test.");
  ASSERT_TRUE(wire);
  EXPECT_EQ(*wire, std::string("\3www\7Example\4test\0", 18));
  EXPECT_EQ(nameToText(*wire), "www.Example.test.");
  EXPECT_EQ(lowercaseName(*wire), std::string("\3www\7example\4test\0", 18));
  EXPECT_EQ(*nameFromText("."), rootName());
}

TEST(DnsName, RejectsEmptyLongAndOddLabels) {
  EXPECT_FALSE(nameFromText("a..b"));
  EXPECT_FALSE(nameFromText(std::string(64, 'a') + ".test"));
  EXPECT_FALSE(nameFromText("sp ace.test"));
  std::string longName;
  for (int i = 0; i < 5; ++i) longName += std::string(60, 'x') + ".";
  EXPECT_FALSE(nameFromText(longName));
}

TEST(DnsName, SubdomainAndParent) {
  std::string zone = *nameFromText("example.test");
  EXPECT_TRUE(isSubdomain(*nameFromText("a.b.example.test"), zone));
  EXPECT_TRUE(isSubdomain(zone, zone));
  EXPECT_FALSE(isSubdomain(*nameFromText("example.testx"), zone));
  EXPECT_FALSE(isSubdomain(*nameFromText("xexample.test"), zone));
  EXPECT_EQ(parentName(*nameFromText("a.example.test")), zone);
  EXPECT_EQ(labelCount(zone), 2);
}

TEST(DnsMessage, ParsesQueryItBuilt) {
  auto query = testing::makeQuery("www.example.test", rrtype::kAaaa, 4096);
  auto message = parseMessage(query);
  ASSERT_TRUE(message);
  EXPECT_EQ(message->header.id, 0x1234);
  ASSERT_EQ(message->questions.size(), 1u);
  EXPECT_EQ(nameToText(message->questions[0].name), "www.example.test.");
  EXPECT_EQ(message->questions[0].type, rrtype::kAaaa);
  ASSERT_EQ(message->additional.size(), 1u);
  EXPECT_EQ(message->additional[0].type, rrtype::kOpt);
  EXPECT_EQ(message->additional[0].klass, 4096);
}

TEST(DnsMessage, WriterCompressesRepeatedSuffixesAndReaderExpandsThem) {
  std::vector<std::uint8_t> out;
  MessageWriter writer(out);
  Header h;
  h.answerCount = 2;
  writer.header(h);
  // Two CNAME records whose names share suffixes.
  for (const char* owner : {"www.example.test", "mail.example.test"}) {
    writer.name(*nameFromText(owner));
    writer.u16(rrtype::kCname);
    writer.u16(kClassIn);
    writer.u32(60);
    std::size_t lengthAt = writer.size();
    writer.u16(0);
    writer.name(*nameFromText("target.EXAMPLE.test"));
    writer.patchU16(lengthAt, static_cast<std::uint16_t>(writer.size() - lengthAt - 2));
  }
  // Uncompressed this would be 12 + 2*(18+10+21) + ... ; compression must shrink it.
  std::size_t uncompressed = 12 + (18 + 10 + 21) + (19 + 10 + 21);
  EXPECT_LT(out.size(), uncompressed - 20);
  // The second owner ends in a pointer (0xc0..) to "example.test" of the first.
  auto message = parseMessage(out);
  ASSERT_TRUE(message) << describe(message.error());
  ASSERT_EQ(message->answers.size(), 2u);
  EXPECT_EQ(nameToText(message->answers[1].name), "mail.example.test.");
  // Compression is case-insensitive: the earlier spelling of the suffix is reused.
  EXPECT_EQ(nameToText(lowercaseName(message->answers[1].rdata)), "target.example.test.");
}

TEST(DnsMessage, RejectsForwardAndSelfPointers) {
  std::vector<std::uint8_t> self = {0x12, 0x34, 0, 0,    0,    1, 0, 0, 0,
                                    0,    0,    0, 0xc0, 0x0c, 0, 1, 0, 1};
  auto parsed = parseMessage(self);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error(), ParseError::BadPointer);
  std::vector<std::uint8_t> forward = {0x12, 0x34, 0, 0,    0,    1, 0, 0, 0,
                                       0,    0,    0, 0xc0, 0x10, 0, 1, 0, 1};
  EXPECT_FALSE(parseMessage(forward));
}

TEST(DnsMessage, RejectsAddressRecordsOfWrongLength) {
  std::vector<std::uint8_t> out;
  MessageWriter writer(out);
  Header h;
  h.answerCount = 1;
  writer.header(h);
  writer.name(*nameFromText("a.test"));
  writer.u16(rrtype::kA);
  writer.u16(kClassIn);
  writer.u32(1);
  writer.u16(3);
  writer.bytes("abc");
  auto parsed = parseMessage(out);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error(), ParseError::BadRdata);
}

TEST(DnsMessage, TxtRdataSplitsLongStrings) {
  std::string rdata = txtRdata({std::string(300, 'x'), "y"});
  ASSERT_EQ(rdata.size(), 1 + 255 + 1 + 45 + 1 + 1u);
  EXPECT_EQ(static_cast<unsigned char>(rdata[0]), 255);
  EXPECT_EQ(static_cast<unsigned char>(rdata[256]), 45);
}

}  // namespace
}  // namespace stele::services::dns
