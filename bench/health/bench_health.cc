// Probes per second one SocketProber sustains against the web appliance (stele-web run as a
// process in a network namespace, probed through a veth from a client namespace the prober's
// loop enters), beside wrk opening one connection per request (Connection: close) against the
// same server in the same run. Prints a table; a row with any error says INVALID. Each row also
// shows stele-web's CPU per request and the machine's ceiling for that row: all cores spent on
// this client and this server (cores / (client + server CPU per request)).
// Run as root: build/bench/health/bench_health [--seconds N] [--inflight A,B,...]
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <regex>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "netns_harness.h"
#include "scheduler/health/socket_prober.h"

namespace {

namespace sv = stele::services::testing;
using namespace stele::scheduler::health;
using SteadyClock = std::chrono::steady_clock;

constexpr const char* kServer = "192.0.2.80";
constexpr std::int64_t kMaxProbesPerRow = 2'000'000;

struct Row {
  std::string tool;
  std::size_t inFlight = 0;
  double seconds = 0;
  std::int64_t count = 0;
  std::int64_t errors = 0;
  double p50Us = -1, p99Us = -1;
  double cpuUs = 0;  // user + system CPU of the client (includes kernel TCP work in its context)
  double serverCpuUs = 0;  // user + system CPU of stele-web over the row
  std::string note;
};

double cpuMicros(int who) {
  rusage usage{};
  getrusage(who, &usage);
  auto us = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_usec);
  };
  return us(usage.ru_utime) + us(usage.ru_stime);
}

// user + system CPU of process `pid` so far (/proc/PID/stat fields 14 and 15), microseconds.
double processCpuMicros(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), {});
  auto end = text.rfind(')');  // the command name may hold spaces
  if (end == std::string::npos) return 0;
  std::istringstream fields(text.substr(end + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i >= 14) ticks += std::stod(field);
  }
  return ticks * 1e6 / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double percentile(std::vector<std::int64_t>& samples, double q) {
  if (samples.empty()) return -1;
  std::size_t index = static_cast<std::size_t>(q * static_cast<double>(samples.size() - 1));
  std::nth_element(samples.begin(), samples.begin() + static_cast<long>(index), samples.end());
  return static_cast<double>(samples[index]);
}

// Keeps `inFlight` probes going for `seconds`: each result submits the next.
Row runProber(const std::string& netns, std::size_t inFlight, int seconds) {
  SocketProberOptions options;
  options.maxInFlightPerLoop = inFlight;
  SocketProber prober(options);
  std::mutex mutex;
  std::condition_variable drained;
  std::vector<std::int64_t> latencies;
  latencies.reserve(1 << 20);
  std::int64_t errors = 0, finished = 0, submitted = 0;
  std::string firstError;
  std::atomic<bool> stopping{false};
  auto deadline = SteadyClock::now() + std::chrono::seconds(seconds);
  ProbeRequest request{0, HttpCheck{80, "/healthz", 200}, kServer, netns, 1000};

  std::function<void(ProbeResult)> onResult = [&](const ProbeResult& r) {
    bool again;
    {
      std::lock_guard lock(mutex);
      ++finished;
      if (r.ok) {
        latencies.push_back(r.latencyUs);
      } else {
        if (errors++ == 0) firstError = r.detail;
      }
      again = !stopping && SteadyClock::now() < deadline && submitted < kMaxProbesPerRow;
      if (again) ++submitted;
      if (!again && finished == submitted) drained.notify_all();
    }
    if (again) prober.submit(request, onResult);
  };
  auto start = SteadyClock::now();
  double cpuBefore = cpuMicros(RUSAGE_SELF);
  {
    std::lock_guard lock(mutex);
    submitted = static_cast<std::int64_t>(inFlight);
  }
  for (std::size_t i = 0; i < inFlight; ++i) prober.submit(request, onResult);
  {
    std::unique_lock lock(mutex);
    drained.wait_for(lock, std::chrono::seconds(seconds + 30),
                     [&] { return finished == submitted && SteadyClock::now() >= deadline; });
    stopping = true;
  }
  double elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
  double cpu = cpuMicros(RUSAGE_SELF) - cpuBefore;
  std::lock_guard lock(mutex);
  Row row;
  row.tool = "SocketProber (1 loop)";
  row.inFlight = inFlight;
  row.seconds = elapsed;
  row.count = finished;
  row.errors = errors;
  row.cpuUs = cpu;
  row.p50Us = percentile(latencies, 0.50);
  row.p99Us = percentile(latencies, 0.99);
  if (errors) row.note = "first error: " + firstError;
  return row;
}

// wrk, one connection per request, from the client namespace.
Row runWrk(const std::string& netns, std::size_t connections, int seconds) {
  double cpuBefore = cpuMicros(RUSAGE_CHILDREN);  // the appliance is not reaped: not counted
  sv::CommandResult r = sv::runIn(
      netns,
      {"wrk", "-t1", "-c" + std::to_string(connections), "-d" + std::to_string(seconds) + "s",
       "--latency", "-H", "Connection: close", std::string("http://") + kServer + "/healthz"},
      seconds + 30);
  Row row;
  row.tool = "wrk -t1, Connection: close";
  row.inFlight = connections;
  row.seconds = seconds;
  row.cpuUs = cpuMicros(RUSAGE_CHILDREN) - cpuBefore;
  std::smatch m;
  auto number = [&](const std::string& pattern) -> double {
    return std::regex_search(r.output, m, std::regex(pattern)) ? std::stod(m[1]) : -1;
  };
  auto micros = [&](const std::string& label) -> double {
    if (!std::regex_search(r.output, m, std::regex(label + R"(\s+([0-9.]+)(us|ms|s))"))) return -1;
    double v = std::stod(m[1]);
    return m[2] == "ms" ? v * 1000 : m[2] == "s" ? v * 1e6 : v;
  };
  double total = number(R"(([0-9]+) requests in)");
  row.count = static_cast<std::int64_t>(total);
  row.p50Us = micros("50%");
  row.p99Us = micros("99%");
  if (std::regex_search(
          r.output, m,
          std::regex(
              R"(Socket errors: connect ([0-9]+), read ([0-9]+), write ([0-9]+), timeout ([0-9]+))")))
    row.errors = std::stoll(m[1]) + std::stoll(m[2]) + std::stoll(m[3]) + std::stoll(m[4]);
  if (std::regex_search(r.output, m, std::regex(R"(Non-2xx or 3xx responses: ([0-9]+))")))
    row.errors += std::stoll(m[1]);
  if (r.exitCode != 0 || total < 0) {
    row.errors = std::max<std::int64_t>(row.errors, 1);
    row.note = "wrk failed: " + r.output.substr(0, 200);
  }
  return row;
}

std::vector<std::size_t> parseList(const std::string& text) {
  std::vector<std::size_t> values;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) values.push_back(static_cast<std::size_t>(std::stoul(item)));
  return values;
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = 5;
  std::vector<std::size_t> inFlights = {16, 64, 256};
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--seconds")
      seconds = std::clamp(std::atoi(argv[i + 1]), 1, 60);
    else if (flag == "--inflight")
      inFlights = parseList(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: bench_health [--seconds N] [--inflight A,B,...]\n");
      return 2;
    }
  }
  if (!sv::haveRootAndIp()) {
    std::fprintf(stderr, "bench_health: needs root and iproute2\n");
    return 1;
  }
  rlimit files{65536, 65536};
  setrlimit(RLIMIT_NOFILE, &files);

  sv::NamespaceSet namespaces;
  auto [server, client] = sv::linkServerAndClient(namespaces, "192.0.2.80/24", "192.0.2.2/24");
  sv::ApplianceProcess web(server, "web",
                           "instance bench-web\nlisten 192.0.2.80:80\nmax-connections 100000\n");
  if (!web.waitReady()) {
    std::fprintf(stderr, "bench_health: stele-web did not start: %s\n", web.stderrText().c_str());
    return 1;
  }

  std::vector<Row> rows;
  auto measured = [&web](auto run) {
    double before = processCpuMicros(web.pid());
    Row row = run();
    row.serverCpuUs = processCpuMicros(web.pid()) - before;
    return row;
  };
  for (std::size_t n : inFlights) {
    rows.push_back(measured([&] { return runProber(client, n, seconds); }));
    rows.push_back(measured([&] { return runWrk(client, n, seconds); }));
  }

  std::printf("\nHealth probes: HTTP GET /healthz, one connection per probe, against stele-web\n");
  std::printf(
      "(process, netns %s, 1 thread) from netns %s over a veth; %d s per row, %ld cores\n\n",
      server.c_str(), client.c_str(), seconds, sysconf(_SC_NPROCESSORS_ONLN));
  std::printf("%-28s %9s %10s %10s %9s %9s %11s %11s %10s %7s  %s\n", "client", "in-flight",
              "requests", "per s", "p50 ms", "p99 ms", "cpu us/req", "server us", "ceiling/s",
              "errors", "verdict");
  const double cores = static_cast<double>(sysconf(_SC_NPROCESSORS_ONLN));
  bool allValid = true;
  double best = 0, bestCpu = 0, bestCeiling = 0;
  for (const Row& row : rows) {
    double rate = row.seconds > 0 ? static_cast<double>(row.count) / row.seconds : 0;
    bool valid = row.errors == 0 && row.count > 0;
    allValid = allValid && valid;
    if (valid && row.tool.rfind("Socket", 0) == 0) best = std::max(best, rate);
    double cpuPerRequest = row.count > 0 ? row.cpuUs / static_cast<double>(row.count) : 0;
    double serverPerRequest = row.count > 0 ? row.serverCpuUs / static_cast<double>(row.count) : 0;
    // What the machine could do if its cores did nothing but this client and this server.
    double ceiling =
        cpuPerRequest + serverPerRequest > 0 ? cores * 1e6 / (cpuPerRequest + serverPerRequest) : 0;
    if (valid && row.tool.rfind("Socket", 0) == 0) {
      bestCpu = bestCpu == 0 ? cpuPerRequest : std::min(bestCpu, cpuPerRequest);
      if (rate >= best) bestCeiling = ceiling;
    }
    std::printf("%-28s %9zu %10ld %10.0f %9.3f %9.3f %11.1f %11.1f %10.0f %7ld  %s%s%s\n",
                row.tool.c_str(), row.inFlight, row.count, rate, row.p50Us / 1000, row.p99Us / 1000,
                cpuPerRequest, serverPerRequest, ceiling, row.errors, valid ? "ok" : "INVALID",
                row.note.empty() ? "" : "  ", row.note.c_str());
  }
  std::printf("\nbest SocketProber rate: %.0f probes/s (goal >= 20000: %s)%s\n", best,
              best >= 20000 ? "met" : "NOT met", allValid ? "" : "; some rows INVALID");
  std::printf(
      "ceiling of this machine for that row: %.0f probes/s (%g cores over client + server CPU per "
      "probe; the rate is %.0f %% of it)\n",
      bestCeiling, cores, bestCeiling > 0 ? 100 * best / bestCeiling : 0);
  double load[1] = {0};
  getloadavg(load, 1);
  std::printf(
      "prober CPU per probe %.1f us => one loop thread on a free core: about %.0f probes/s"
      " (load average during the run: %.1f)\n",
      bestCpu, bestCpu > 0 ? 1e6 / bestCpu : 0, load[0]);
  return allValid ? 0 : 1;
}
