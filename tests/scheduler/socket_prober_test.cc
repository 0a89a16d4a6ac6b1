// SocketProber on 127.0.0.1 against small servers started by each test.
#include "scheduler/health/socket_prober.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <vector>

#include "probe_test_servers.h"

namespace stele::scheduler::health {
namespace {

using testing::CannedHttpServer;
using testing::DnsStub;

constexpr const char* kOk = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
constexpr const char* kUnavailable =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 11\r\n\r\nsecret body";

// Waits for the result; the wait bound only keeps a broken prober from hanging the suite.
ProbeResult probe(Prober& prober, CheckKind check, std::int64_t timeoutMs = 2000,
                  std::string address = "127.0.0.1", std::string netns = "") {
  auto promise = std::make_shared<std::promise<ProbeResult>>();
  auto future = promise->get_future();
  prober.submit({42, std::move(check), std::move(address), std::move(netns), timeoutMs},
                [promise](ProbeResult r) { promise->set_value(std::move(r)); });
  if (future.wait_for(std::chrono::seconds(30)) != std::future_status::ready)
    return {0, false, "test: no result", 0, true};
  return future.get();
}

HttpCheck http(int port, std::string path = "/healthz", int expect = 200) {
  return HttpCheck{port, std::move(path), expect};
}

TEST(SocketProber, HttpTwoHundredPasses) {
  CannedHttpServer server(kOk);
  SocketProber prober;
  ProbeResult r = probe(prober, http(server.port()));
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.key, 42u);
  EXPECT_EQ(r.detail, "http 200");
  EXPECT_FALSE(r.proberFault);
  EXPECT_GT(r.latencyUs, 0);
}

TEST(SocketProber, HttpOtherStatusFailsWithoutEchoingTheBody) {
  CannedHttpServer server(kUnavailable);
  SocketProber prober;
  ProbeResult r = probe(prober, http(server.port()));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "http 503");
  EXPECT_FALSE(r.proberFault);
}

TEST(SocketProber, HttpExpectedStatusMayBeOtherThan200) {
  CannedHttpServer server(kUnavailable);
  SocketProber prober;
  EXPECT_TRUE(probe(prober, http(server.port(), "/", 503)).ok);
}

TEST(SocketProber, HttpServerThatNeverAnswersTimesOut) {
  CannedHttpServer server("");  // listens, never answers
  SocketProber prober;
  ProbeResult r = probe(prober, http(server.port()), 200);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "timeout after 200 ms");
  EXPECT_FALSE(r.proberFault);
}

TEST(SocketProber, HttpNotHttpFailsAsMalformed) {
  CannedHttpServer server("SSH-2.0-OpenSSH_9.2\r\n");
  SocketProber prober;
  ProbeResult r = probe(prober, http(server.port()));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "http malformed status line");
}

TEST(SocketProber, ClosedPortIsRefused) {
  SocketProber prober;
  int port = testing::closedPort();
  ProbeResult httpResult = probe(prober, http(port));
  EXPECT_FALSE(httpResult.ok);
  EXPECT_EQ(httpResult.detail, "connect refused");
  ProbeResult tcpResult = probe(prober, TcpCheck{port});
  EXPECT_FALSE(tcpResult.ok);
  EXPECT_EQ(tcpResult.detail, "connect refused");
}

TEST(SocketProber, TcpConnectToAListenerPasses) {
  CannedHttpServer server("");
  SocketProber prober;
  ProbeResult r = probe(prober, TcpCheck{server.port()});
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.detail, "tcp connected");
}

TEST(SocketProber, DnsRepliesOfTheStubAreJudgedTable) {
  struct Case {
    std::string name;
    DnsStub::Mode mode;
    std::string stubAnswer, query, expect;
    std::int64_t timeoutMs;
    bool ok;
    std::string detail;
  };
  using Mode = DnsStub::Mode;
  std::vector<Case> cases = {
      {"expected answer", Mode::AnswerA, "192.0.2.10", "www.bench.test", "192.0.2.10", 2000, true,
       "dns ok"},
      {"other answer", Mode::AnswerA, "192.0.2.99", "www.bench.test", "192.0.2.10", 2000, false,
       "dns answer differs"},
      {"NXDOMAIN", Mode::NxDomain, "", "nope.bench.test", "", 2000, false, "dns NXDOMAIN"},
      {"garbled", Mode::Garbled, "", "www.bench.test", "", 2000, false, "dns malformed reply"},
      {"another id is ignored until the timeout", Mode::WrongId, "", "www.bench.test", "", 300,
       false, "timeout after 300 ms"},
  };
  SocketProber prober;
  for (const Case& c : cases) {
    DnsStub stub(c.mode, c.stubAnswer.empty() ? "192.0.2.10" : c.stubAnswer);
    ProbeResult r = probe(prober, DnsCheck{c.query, "A", c.expect, stub.port()}, c.timeoutMs);
    EXPECT_EQ(r.ok, c.ok) << c.name << ": " << r.detail;
    EXPECT_EQ(r.detail, c.detail) << c.name;
    EXPECT_FALSE(r.proberFault) << c.name;
  }
}

TEST(SocketProber, DnsClosedPortIsUnreachable) {
  SocketProber prober;
  int port = 0;
  {
    DnsStub stub(DnsStub::Mode::Silent);
    port = stub.port();
  }
  ProbeResult r = probe(prober, DnsCheck{"www.bench.test", "A", "", port});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "dns port unreachable");
}

TEST(SocketProber, BadRequestsFailInlineAsProberFaults) {
  SocketProber prober;
  struct Case {
    ProbeRequest request;
    std::string detail;
  };
  std::vector<Case> cases = {
      {{1, http(80), "10.0.0.300", "", 500}, "prober: bad address"},
      {{1, http(80), "::1", "", 500}, "prober: bad address"},
      {{1, http(0), "127.0.0.1", "", 500}, "prober: bad port"},
      {{1, TcpCheck{70000}, "127.0.0.1", "", 500}, "prober: bad port"},
      {{1, http(80, "/a b"), "127.0.0.1", "", 500}, "prober: bad http path"},
      {{1, DnsCheck{"a..b", "A", "", 53}, "127.0.0.1", "", 500}, "prober: bad dns check"},
      {{1, ConsoleCheck{"ready"}, "127.0.0.1", "", 500},
       "prober: console checks are read by the caller"},
      {{1, http(80), "127.0.0.1", "../etc", 500}, "prober: bad netns name"},
      {{1, http(80), "127.0.0.1", "", 0}, "prober: timeout out of range"},
  };
  for (Case& c : cases) {
    bool called = false;
    ProbeResult result;
    prober.submit(c.request, [&](ProbeResult r) {
      called = true;
      result = std::move(r);
    });
    ASSERT_TRUE(called) << c.detail;  // inline, before submit returned
    EXPECT_FALSE(result.ok);
    EXPECT_TRUE(result.proberFault);
    EXPECT_EQ(result.detail, c.detail);
  }
  EXPECT_EQ(prober.loopCount(), 0u);
}

TEST(SocketProber, MissingNamespaceIsAProberFault) {
  SocketProberOptions options;
  options.netnsDirectory = "/nonexistent-stele-netns-dir";
  SocketProber prober(options);
  ProbeResult r = probe(prober, http(80), 500, "127.0.0.1", "nowhere");
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.proberFault);
  EXPECT_EQ(r.detail, "prober: cannot enter netns nowhere");
  // A later probe tries again (the namespace may exist by then) and fails the same way.
  EXPECT_EQ(probe(prober, http(80), 500, "127.0.0.1", "nowhere").detail, r.detail);
}

TEST(SocketProber, QueuesBeyondTheInFlightLimitAndAnswersEveryProbe) {
  CannedHttpServer server(kOk);
  SocketProberOptions options;
  options.maxInFlightPerLoop = 8;
  SocketProber prober(options);
  constexpr int kProbes = 2000;
  std::mutex mutex;
  std::condition_variable finished;
  int done = 0, ok = 0;
  std::vector<int> seen(kProbes, 0);
  for (int i = 0; i < kProbes; ++i)
    prober.submit({static_cast<std::uint64_t>(i), http(server.port()), "127.0.0.1", "", 5000},
                  [&](const ProbeResult& r) {
                    std::lock_guard lock(mutex);
                    ++seen[r.key];
                    ok += r.ok;
                    if (++done == kProbes) finished.notify_one();
                  });
  std::unique_lock lock(mutex);
  finished.wait_for(lock, std::chrono::seconds(60), [&] { return done == kProbes; });
  EXPECT_EQ(done, kProbes);
  EXPECT_EQ(ok, kProbes);
  for (int i = 0; i < kProbes; ++i) ASSERT_EQ(seen[i], 1) << "key " << i;
  EXPECT_EQ(prober.loopCount(), 1u);
}

TEST(SocketProber, StoppingAnswersProbesStillInFlightAndRefusesResubmits) {
  CannedHttpServer server("");
  std::vector<ProbeResult> results;
  std::mutex mutex;
  {
    auto owner = std::make_unique<SocketProber>();
    SocketProber* prober = owner.get();  // still valid while its destructor runs the callbacks
    std::function<void(ProbeResult)> record = [&](ProbeResult r) {
      std::uint64_t key = r.key;
      {
        std::lock_guard lock(mutex);
        results.push_back(std::move(r));
      }
      // A caller that probes again from its callback, as the reconciler may.
      if (key < 100)
        prober->submit({key + 100, http(server.port()), "127.0.0.1", "", 60000}, record);
    };
    for (int i = 0; i < 5; ++i)
      prober->submit({static_cast<std::uint64_t>(i), http(server.port()), "127.0.0.1", "", 60000},
                     record);
    owner.reset();  // stops while `record` still exists
  }
  ASSERT_EQ(results.size(), 10u);
  for (const auto& r : results) {
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.proberFault);
    EXPECT_EQ(r.detail, "prober stopped");
  }
}

}  // namespace
}  // namespace stele::scheduler::health
