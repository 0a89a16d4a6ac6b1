// The bytes of HTTP and DNS probes: what is sent and how replies are judged.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "scheduler/health/dns_probe_message.h"
#include "scheduler/health/http_probe_message.h"

namespace stele::scheduler::health {
namespace {

TEST(HttpProbeMessage, BuildsAGetWithHostAndConnectionClose) {
  auto request = buildHttpProbeRequest("10.0.0.10", 8080, "/healthz?x=1");
  ASSERT_TRUE(request) << request.error().message;
  EXPECT_EQ(request->rfind("GET /healthz?x=1 HTTP/1.1\r\nHost: 10.0.0.10:8080\r\n", 0), 0u);
  EXPECT_NE(request->find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(request->substr(request->size() - 4), "\r\n\r\n");
}

TEST(HttpProbeMessage, RefusesPathsThatCouldSmuggleBytes) {
  for (const std::string& path :
       std::vector<std::string>{"", "healthz", "/a b", "/a\r\nX: y", std::string("/a\0b", 4),
                                "/" + std::string(1024, 'a')}) {
    auto request = buildHttpProbeRequest("10.0.0.1", 80, path);
    ASSERT_FALSE(request) << path;
    EXPECT_NE(request.error().message.find("healthCheck.http.path"), std::string::npos);
  }
}

TEST(HttpProbeMessage, ParsesStatusLinesTable) {
  struct Case {
    std::string received;
    StatusLineParse parse;
    int status;
  };
  std::vector<Case> cases = {
      {"", StatusLineParse::NeedMore, 0},
      {"HTT", StatusLineParse::NeedMore, 0},
      {"HTTP/1.1 20", StatusLineParse::NeedMore, 0},
      {"HTTP/1.1 200", StatusLineParse::Ok, 200},
      {"HTTP/1.1 200 OK\r\n", StatusLineParse::Ok, 200},
      {"HTTP/1.0 503 Service Unavailable\r\n", StatusLineParse::Ok, 503},
      {"HTTP/1.1 404\r\n", StatusLineParse::Ok, 404},
      {"SSH-2.0-OpenSSH", StatusLineParse::Malformed, 0},
      {"HTTP/2.0 200 OK", StatusLineParse::Malformed, 0},
      {"HTTP/1.1 2x0 OK", StatusLineParse::Malformed, 0},
      {"HTTP/1.1 099 OK", StatusLineParse::Malformed, 0},
      {"HTTP/1.1 2000 OK", StatusLineParse::Malformed, 0},
      {"HTTP/1.1  200 OK", StatusLineParse::Malformed, 0},
  };
  for (const Case& c : cases) {
    HttpStatusLine line = parseHttpStatusLine(c.received);
    EXPECT_EQ(line.parse, c.parse) << c.received;
    EXPECT_EQ(line.status, c.status) << c.received;
  }
}

using Bytes = std::vector<std::uint8_t>;

DnsProbeQuery query(const std::string& name, const std::string& type, const std::string& expect,
                    std::uint16_t id = 0x1234) {
  auto q = buildDnsProbeQuery(DnsCheck{name, type, expect, 53}, id);
  EXPECT_TRUE(q) << q.error().message;
  return q ? *q : DnsProbeQuery{};
}

// A reply to `q`: header flags, then the question copied from the query, then `answers`.
Bytes reply(const DnsProbeQuery& q, std::uint8_t flags2, std::uint8_t flags3, int answerCount,
            const Bytes& answers) {
  Bytes m(q.wire.begin(), q.wire.end());
  m[2] = flags2;
  m[3] = flags3;
  m[7] = static_cast<std::uint8_t>(answerCount);
  m.insert(m.end(), answers.begin(), answers.end());
  return m;
}

// An answer record owned by the question's name (pointer to offset 12).
Bytes record(std::uint16_t type, const Bytes& data) {
  Bytes r = {0xc0,
             12,
             static_cast<std::uint8_t>(type >> 8),
             static_cast<std::uint8_t>(type),
             0,
             1,
             0,
             0,
             0,
             60,
             0,
             static_cast<std::uint8_t>(data.size())};
  r.insert(r.end(), data.begin(), data.end());
  return r;
}

constexpr std::uint8_t kAnswer = 0x84;  // QR, AA

TEST(DnsProbeMessage, BuildsOneQuestionQueryWithTheId) {
  DnsProbeQuery q = query("WWW.Bench.Test.", "a", "");
  Bytes expected = {0x12, 0x34, 0,   0,   0,   1,   0, 0,   0,   0,   0,   0, 3, 'w', 'w', 'w',
                    5,    'b',  'e', 'n', 'c', 'h', 4, 't', 'e', 's', 't', 0, 0, 1,   0,   1};
  EXPECT_EQ(q.wire, expected);
  EXPECT_EQ(q.name, "www.bench.test");
}

TEST(DnsProbeMessage, RefusesBadChecksNamingTheField) {
  struct Case {
    DnsCheck check;
    std::string field;
  };
  std::vector<Case> cases = {
      {{"", "A", "", 53}, "healthCheck.dns.name"},
      {{"a..b", "A", "", 53}, "healthCheck.dns.name"},
      {{std::string(64, 'a') + ".test", "A", "", 53}, "healthCheck.dns.name"},
      {{"a b.test", "A", "", 53}, "healthCheck.dns.name"},
      {{"www.test", "MX", "", 53}, "healthCheck.dns.type"},
      {{"www.test", "A", "300.1.1.1", 53}, "healthCheck.dns.expect"},
      {{"www.test", "AAAA", "192.0.2.1", 53}, "healthCheck.dns.expect"},
      {{"www.test", "SOA", "ns1", 53}, "healthCheck.dns.expect"},
  };
  for (const Case& c : cases) {
    auto q = buildDnsProbeQuery(c.check, 1);
    ASSERT_FALSE(q) << c.check.name << " " << c.check.type;
    EXPECT_EQ(q.error().message.rfind(c.field, 0), 0u) << q.error().message;
  }
}

TEST(DnsProbeMessage, JudgesRepliesTable) {
  DnsProbeQuery a = query("www.bench.test", "A", "192.0.2.10");
  DnsProbeQuery any = query("www.bench.test", "A", "");
  DnsProbeQuery cname = query("alias.bench.test", "CNAME", "WWW.bench.test.");
  DnsProbeQuery txt = query("bench.test", "TXT", "v=stele bench");
  DnsProbeQuery aaaa = query("www.bench.test", "AAAA", "2001:db8:0::10");
  Bytes www = {3, 'w', 'w', 'w', 0xc0, 18};  // www + pointer to "bench.test" in alias's question
  Bytes v6 = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};
  Bytes aWrongId = reply(a, kAnswer, 0, 1, record(1, {192, 0, 2, 10}));
  aWrongId[1] ^= 1;
  Bytes aOtherName =
      reply(query("www.other.test", "A", ""), kAnswer, 0, 1, record(1, {192, 0, 2, 10}));
  aOtherName[0] = 0x12;
  aOtherName[1] = 0x34;
  Bytes overrun = reply(a, kAnswer, 0, 1, record(1, {192, 0, 2, 10}));
  overrun.resize(overrun.size() - 2);
  Bytes loop = reply(a, kAnswer, 0, 1, {0xc0, 34, 0, 1});  // the record's name points at itself

  struct Case {
    std::string name;
    const DnsProbeQuery& q;
    Bytes message;
    DnsReplyVerdict verdict;
    std::string detail;
  };
  std::vector<Case> cases = {
      {"expected A", a, reply(a, kAnswer, 0, 1, record(1, {192, 0, 2, 10})), DnsReplyVerdict::Ok,
       "dns ok"},
      {"second A matches", a,
       reply(a, kAnswer, 0, 2,
             [&] {
               Bytes r = record(1, {192, 0, 2, 9});
               Bytes r2 = record(1, {192, 0, 2, 10});
               r.insert(r.end(), r2.begin(), r2.end());
               return r;
             }()),
       DnsReplyVerdict::Ok, "dns ok"},
      {"other A", a, reply(a, kAnswer, 0, 1, record(1, {192, 0, 2, 11})), DnsReplyVerdict::Failed,
       "dns answer differs"},
      {"any answer", any, reply(any, kAnswer, 0, 1, record(1, {10, 0, 0, 1})), DnsReplyVerdict::Ok,
       "dns ok"},
      {"NODATA", any, reply(any, kAnswer, 0, 0, {}), DnsReplyVerdict::Failed, "dns no answer"},
      {"NXDOMAIN", a, reply(a, kAnswer, 3, 0, {}), DnsReplyVerdict::Failed, "dns NXDOMAIN"},
      {"REFUSED", a, reply(a, 0x80, 5, 0, {}), DnsReplyVerdict::Failed, "dns REFUSED"},
      {"rcode 9", a, reply(a, 0x80, 9, 0, {}), DnsReplyVerdict::Failed, "dns rcode 9"},
      {"truncated", a, reply(a, 0x86, 0, 0, {}), DnsReplyVerdict::Failed, "dns truncated"},
      {"compressed CNAME", cname, reply(cname, kAnswer, 0, 1, record(5, www)), DnsReplyVerdict::Ok,
       "dns ok"},
      {"TXT strings joined", txt,
       reply(txt, kAnswer, 0, 1,
             record(16, {6, 'v', '=', 's', 't', 'e', 'l', 7, 'e', ' ', 'b', 'e', 'n', 'c', 'h'})),
       DnsReplyVerdict::Ok, "dns ok"},
      {"AAAA any spelling", aaaa, reply(aaaa, kAnswer, 0, 1, record(28, v6)), DnsReplyVerdict::Ok,
       "dns ok"},
      {"only a CNAME for an A", a, reply(a, kAnswer, 0, 1, record(5, www)), DnsReplyVerdict::Failed,
       "dns no answer of that type"},
      {"record overruns the message", a, overrun, DnsReplyVerdict::Failed, "dns malformed reply"},
      {"pointer loop", a, loop, DnsReplyVerdict::Failed, "dns malformed reply"},
      {"another id", a, aWrongId, DnsReplyVerdict::NotOurs, ""},
      {"another question", a, aOtherName, DnsReplyVerdict::NotOurs, ""},
      {"a query, not a response", a, reply(a, 0x04, 0, 0, {}), DnsReplyVerdict::NotOurs, ""},
      {"shorter than a header", a, Bytes{0x12, 0x34, 0x84}, DnsReplyVerdict::NotOurs, ""},
  };
  for (const Case& c : cases) {
    DnsReplyCheck check = checkDnsProbeReply(c.q, c.message);
    EXPECT_EQ(check.verdict, c.verdict) << c.name << ": " << check.detail;
    EXPECT_EQ(check.detail, c.detail) << c.name;
  }
}

}  // namespace
}  // namespace stele::scheduler::health
