#include "scheduler/health/health_check_validation.h"

#include <gtest/gtest.h>

#include <functional>
#include <vector>

namespace stele::scheduler::health {
namespace {

HealthCheckSpec valid() {
  HealthCheckSpec spec;
  spec.kind = HttpCheck{};
  return spec;
}

TEST(HealthCheckValidation, AcceptsTheDefaultsOfEveryKind) {
  for (const CheckKind& kind : std::vector<CheckKind>{
           HttpCheck{}, TcpCheck{22}, DnsCheck{"www.zone.test", "A", "192.0.2.1", 53},
           ConsoleCheck{"stele-appliance: dns ready"}}) {
    HealthCheckSpec spec = valid();
    spec.kind = kind;
    auto r = validateHealthCheckSpec(spec);
    EXPECT_TRUE(r) << r.error().message;
  }
}

TEST(HealthCheckValidation, RefusesBadFieldsNamingTheField) {
  struct Case {
    std::function<void(HealthCheckSpec&)> change;
    std::string field;
  };
  std::vector<Case> cases = {
      {[](auto& s) { s.kind = HttpCheck{0}; }, "healthCheck.http.port"},
      {[](auto& s) {
         s.kind = HttpCheck{80, "/", 99};
       },
       "healthCheck.http.expectStatus"},
      {[](auto& s) {
         s.kind = HttpCheck{80, "no-slash"};
       },
       "healthCheck.http.path"},
      {[](auto& s) { s.kind = TcpCheck{}; }, "healthCheck.tcp.port"},
      {[](auto& s) {
         s.kind = DnsCheck{"a.test", "A", "", 0};
       },
       "healthCheck.dns.port"},
      {[](auto& s) {
         s.kind = DnsCheck{"a.test", "MX", "", 53};
       },
       "healthCheck.dns.type"},
      {[](auto& s) {
         s.kind = DnsCheck{"a.test", "A", "x", 53};
       },
       "healthCheck.dns.expect"},
      {[](auto& s) { s.kind = ConsoleCheck{""}; }, "healthCheck.console.match"},
      {[](auto& s) { s.kind = ConsoleCheck{"a\nb"}; }, "healthCheck.console.match"},
      {[](auto& s) { s.initialDelayMs = -1; }, "healthCheck.initialDelayMs"},
      {[](auto& s) { s.periodMs = 0; }, "healthCheck.periodMs"},
      {[](auto& s) { s.timeoutMs = 0; }, "healthCheck.timeoutMs"},
      {[](auto& s) { s.timeoutMs = 60001; }, "healthCheck.timeoutMs"},
      {[](auto& s) { s.successThreshold = 0; }, "healthCheck.successThreshold"},
      {[](auto& s) { s.failureThreshold = 101; }, "healthCheck.failureThreshold"},
      {[](auto& s) { s.startupTimeoutMs = -5; }, "healthCheck.startupTimeoutMs"},
      {[](auto& s) { s.targetAddress = "10.0.0.256"; }, "healthCheck.targetAddress"},
      {[](auto& s) { s.vantageNetns = "../root"; }, "healthCheck.vantageNetns"},
  };
  for (const Case& c : cases) {
    HealthCheckSpec spec = valid();
    c.change(spec);
    auto r = validateHealthCheckSpec(spec);
    ASSERT_FALSE(r) << c.field;
    EXPECT_EQ(r.error().message.rfind(c.field, 0), 0u) << r.error().message;
    EXPECT_EQ(r.error().kind, ErrorKind::InvalidArgument);
  }
}

}  // namespace
}  // namespace stele::scheduler::health
