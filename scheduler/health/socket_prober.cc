#include "scheduler/health/socket_prober.h"

#include <arpa/inet.h>

#include <utility>

#include "scheduler/health/health_check_validation.h"
#include "scheduler/health/http_probe_message.h"
#include "scheduler/health/probe_loop.h"

namespace stele::scheduler::health {

namespace {

bool validPort(int port) { return port > 0 && port < 65536; }

// Fills `job` from the request, or says why the request cannot be probed.
std::string prepare(const ProbeRequest& request, ProbeJob& job) {
  in_addr address{};
  if (inet_pton(AF_INET, request.address.c_str(), &address) != 1) return "prober: bad address";
  if (!request.netns.empty() && !isValidNetnsName(request.netns)) return "prober: bad netns name";
  if (request.timeoutMs <= 0 || request.timeoutMs > kMaxProbeTimeoutMs)
    return "prober: timeout out of range";
  job.key = request.key;
  job.address = address.s_addr;
  job.timeoutMs = request.timeoutMs;
  if (const auto* http = std::get_if<HttpCheck>(&request.check)) {
    if (!validPort(http->port)) return "prober: bad port";
    auto bytes = buildHttpProbeRequest(request.address, http->port, http->path);
    if (!bytes) return "prober: bad http path";
    job.kind = ProbeJob::Kind::Http;
    job.port = static_cast<std::uint16_t>(http->port);
    job.httpRequest = std::move(*bytes);
    job.expectStatus = http->expectStatus;
    return "";
  }
  if (const auto* tcp = std::get_if<TcpCheck>(&request.check)) {
    if (!validPort(tcp->port)) return "prober: bad port";
    job.kind = ProbeJob::Kind::Tcp;
    job.port = static_cast<std::uint16_t>(tcp->port);
    return "";
  }
  if (const auto* dns = std::get_if<DnsCheck>(&request.check)) {
    if (!validPort(dns->port)) return "prober: bad port";
    auto query = buildDnsProbeQuery(*dns, 0);
    if (!query) return "prober: bad dns check";
    job.kind = ProbeJob::Kind::Dns;
    job.port = static_cast<std::uint16_t>(dns->port);
    job.dns = std::move(*query);
    return "";
  }
  return "prober: console checks are read by the caller";
}

}  // namespace

SocketProber::SocketProber(SocketProberOptions options) : options_(std::move(options)) {}

SocketProber::~SocketProber() {
  std::map<std::string, std::unique_ptr<ProbeLoop>> loops;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    loops.swap(loops_);
  }
  loops.clear();  // joins each loop; their callbacks may still call submit (refused inline)
}

void SocketProber::submit(ProbeRequest request, std::function<void(ProbeResult)> done) {
  ProbeJob job;
  std::string refusal = prepare(request, job);
  if (!refusal.empty()) {
    done({request.key, false, refusal, 0, true});
    return;
  }
  job.done = std::move(done);
  std::unique_ptr<ProbeLoop> deadLoop;  // joined outside the lock
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      refusal = "prober stopped";
    } else {
      auto& loop = loops_[request.netns];
      if (loop && loop->dead()) {  // the namespace may exist by now
        deadLoop = std::move(loop);
        loop.reset();
      }
      if (!loop) {
        std::string path =
            request.netns.empty() ? "" : options_.netnsDirectory + "/" + request.netns;
        loop = std::make_unique<ProbeLoop>(request.netns, path, options_.maxInFlightPerLoop);
      }
      if (loop->enqueue(job)) return;
      // The loop died before taking the job (it could not enter the namespace).
      refusal = "prober: cannot enter netns " + request.netns;
    }
  }
  job.done({request.key, false, refusal, 0, true});
}

std::size_t SocketProber::loopCount() {
  std::lock_guard lock(mutex_);
  return loops_.size();
}

}  // namespace stele::scheduler::health
