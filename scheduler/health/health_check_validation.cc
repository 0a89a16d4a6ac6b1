#include "scheduler/health/health_check_validation.h"

#include <arpa/inet.h>

#include <cctype>

#include "scheduler/health/dns_probe_message.h"
#include "scheduler/health/http_probe_message.h"

namespace stele::scheduler::health {

namespace {

constexpr std::int64_t kHourMs = 3'600'000;

Result<void> inRange(const char* field, std::int64_t value, std::int64_t low, std::int64_t high) {
  if (value >= low && value <= high) return {};
  return fail(ErrorKind::InvalidArgument, "health_check_invalid",
              std::string("healthCheck.") + field + ": " + std::to_string(value) + " is outside " +
                  std::to_string(low) + ".." + std::to_string(high));
}

Result<void> validKind(const CheckKind& kind) {
  if (const auto* http = std::get_if<HttpCheck>(&kind)) {
    if (auto r = inRange("http.port", http->port, 1, 65535); !r) return r;
    if (auto r = inRange("http.expectStatus", http->expectStatus, 100, 599); !r) return r;
    if (auto r = buildHttpProbeRequest("0.0.0.0", http->port, http->path); !r)
      return fail(r.error());
    return {};
  }
  if (const auto* tcp = std::get_if<TcpCheck>(&kind))
    return inRange("tcp.port", tcp->port, 1, 65535);
  if (const auto* dns = std::get_if<DnsCheck>(&kind)) {
    if (auto r = inRange("dns.port", dns->port, 1, 65535); !r) return r;
    if (auto r = buildDnsProbeQuery(*dns, 0); !r) return fail(r.error());
    return {};
  }
  const auto& console = std::get<ConsoleCheck>(kind);
  bool printable = !console.match.empty() && console.match.size() <= 256;
  for (char c : console.match) printable = printable && c >= 0x20 && c < 0x7f;
  if (!printable)
    return fail(ErrorKind::InvalidArgument, "health_check_invalid",
                "healthCheck.console.match: must be 1-256 printable characters");
  return {};
}

}  // namespace

bool isValidNetnsName(const std::string& name) {
  if (name.empty() || name.size() > 64 || name == "." || name == "..") return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
      return false;
  return true;
}

Result<void> validateHealthCheckSpec(const HealthCheckSpec& spec) {
  if (auto r = validKind(spec.kind); !r) return r;
  if (auto r = inRange("initialDelayMs", spec.initialDelayMs, 0, kHourMs); !r) return r;
  if (auto r = inRange("periodMs", spec.periodMs, 10, kHourMs); !r) return r;
  if (auto r = inRange("timeoutMs", spec.timeoutMs, 1, kMaxProbeTimeoutMs); !r) return r;
  if (auto r = inRange("successThreshold", spec.successThreshold, 1, 100); !r) return r;
  if (auto r = inRange("failureThreshold", spec.failureThreshold, 1, 100); !r) return r;
  if (auto r = inRange("startupTimeoutMs", spec.startupTimeoutMs, 0, kHourMs); !r) return r;
  in_addr address{};
  if (spec.targetAddress && inet_pton(AF_INET, spec.targetAddress->c_str(), &address) != 1)
    return fail(ErrorKind::InvalidArgument, "health_check_invalid",
                "healthCheck.targetAddress: '" + *spec.targetAddress + "' is not an IPv4 address");
  if (spec.vantageNetns && !isValidNetnsName(*spec.vantageNetns))
    return fail(ErrorKind::InvalidArgument, "health_check_invalid",
                "healthCheck.vantageNetns: must be 1-64 of A-Z a-z 0-9 . _ -");
  return {};
}

}  // namespace stele::scheduler::health
