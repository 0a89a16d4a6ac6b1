// Registry benchmark: push throughput against sha256sum, verify latency, manifest-PUT rate.
//
// Starts a real `stele server` on 127.0.0.1 (port 0, read back from its banner) with a fresh
// data directory, trusts a fresh Ed25519 key, and drives it with cli::HttpClient and
// cli::pushImage exactly as `stele push` does. Prints a table, stops the server, deletes the
// directory. All traffic stays on loopback.
//
//   registry_bench [--stele PATH] [--size-mib 64] [--rounds 3] [--put-seconds 5]
//                  [--big-mib 1024]   (0 skips the large disk push and its memory figures)
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/client_context.h"
#include "cli/http_client.h"
#include "cli/image_pusher.h"
#include "common/sha256.h"
#include "images/ed25519.h"
#include "images/envelope.h"
#include "images/manifest.h"
#include "store/file_io.h"
#include "tests/support/resident_memory.h"
#include "tests/support/temp_dir.h"

extern char** environ;

namespace {

using namespace stele;
using Clock = std::chrono::steady_clock;

constexpr double kMB = 1e6;  // throughput in decimal megabytes per second, like sha256sum docs

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Thrown to leave the benchmark early; main catches it after the server and the temporary
// directory have been cleaned up by their destructors.
struct BenchFailure {
  std::string message;
};

[[noreturn]] void die(const std::string& message) { throw BenchFailure{message}; }

template <class T>
T need(Result<T> result, const char* what) {
  if (!result) die(std::string(what) + ": " + result.error().message);
  return std::move(*result);
}

struct Stats {
  std::vector<double> samples;
  double min() const { return *std::min_element(samples.begin(), samples.end()); }
  double max() const { return *std::max_element(samples.begin(), samples.end()); }
  double median() const {
    std::vector<double> s = samples;
    std::sort(s.begin(), s.end());
    std::size_t n = s.size();
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }
  double percentile(double p) const {
    std::vector<double> s = samples;
    std::sort(s.begin(), s.end());
    return s[std::min(s.size() - 1, static_cast<std::size_t>(p * static_cast<double>(s.size())))];
  }
};

// A fresh directory under /tmp, removed with everything in it (shared with the tests).
using stele::testing::residentKiB;
using stele::testing::TempDir;

// Runs argv (no shell) with stdout and stderr sent to `output`; returns its wall time.
double runTimed(const std::vector<std::string>& argv, const std::string& output) {
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, output.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  auto started = Clock::now();
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) die("cannot run " + argv[0] + ": " + std::strerror(rc));
  int status = 0;
  ::waitpid(pid, &status, 0);
  double seconds = secondsSince(started);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) die(argv[0] + " failed");
  return seconds;
}

// `stele server` on 127.0.0.1 with an OS-chosen port; SIGTERM and wait on destruction.
class ServerProcess {
 public:
  ServerProcess(const std::string& stele, const std::string& dataDir, const std::string& log,
                std::vector<std::string> extraArgs = {}) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) die("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    std::vector<std::string> argv = {stele,        "server", "--listen",  "127.0.0.1:0",
                                     "--data-dir", dataDir,  "--threads", "2"};
    argv.insert(argv.end(), extraArgs.begin(), extraArgs.end());
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    int rc = posix_spawn(&pid_, stele.c_str(), &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    if (rc != 0) die("cannot start " + stele + ": " + std::strerror(rc));
    std::string banner;
    auto started = Clock::now();
    while (banner.find('\n') == std::string::npos) {
      pollfd p{out[0], POLLIN, 0};
      if (secondsSince(started) > 20 || ::poll(&p, 1, 1000) < 0) break;
      char buffer[256];
      ssize_t n = p.revents != 0 ? ::read(out[0], buffer, sizeof buffer) : 0;
      if (p.revents != 0 && n <= 0) break;
      banner.append(buffer, static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
    }
    ::close(out[0]);
    // "stele server listening on http://127.0.0.1:PORT (data DIR)"
    auto at = banner.find("http://");
    auto space = banner.find(' ', at == std::string::npos ? 0 : at);
    if (at == std::string::npos || space == std::string::npos) {
      die("server did not start (see " + log + "): " + banner);
    }
    url_ = banner.substr(at, space - at);
  }
  ~ServerProcess() {
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      ::usleep(50'000);
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  const std::string& url() const { return url_; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::string url_;
};

void writeRandomFile(const std::string& path, std::int64_t bytes, std::mt19937_64& rng) {
  std::vector<std::uint64_t> block(1 << 17);  // 1 MiB
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (std::int64_t done = 0; done < bytes;) {
    for (auto& word : block) word = rng();
    auto n = std::min<std::int64_t>(bytes - done, static_cast<std::int64_t>(block.size() * 8));
    out.write(reinterpret_cast<const char*>(block.data()), n);
    done += n;
  }
  if (!out.flush()) die("cannot write " + path);
}

std::string envelopeFor(const images::Manifest& manifest, const std::string& privatePem,
                        const std::string& keyId) {
  std::string payload = images::serializeManifest(manifest);
  std::string type(images::kManifestPayloadType);
  auto signature = need(images::sign(privatePem, images::preAuthEncoding(type, payload)), "sign");
  return images::serializeEnvelope(images::Envelope{type, payload, {{keyId, signature}}});
}

struct Options {
  std::string stele = STELE_BINARY;
  std::int64_t sizeMiB = 64;
  int rounds = 3;
  double putSeconds = 5;
  int putMax = 2000;
  std::int64_t bigMiB = 1024;
};

// Samples a process's VmRSS every 20 ms on a thread of its own until stopped; keeps the peak.
class ResidentPeak {
 public:
  explicit ResidentPeak(pid_t pid) : pid_(pid), peak_(residentKiB(pid)) {
    thread_ = std::thread([this] {
      while (!stop_) {
        peak_ = std::max(peak_.load(), residentKiB(pid_));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
  }
  ~ResidentPeak() { stop(); }
  long stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return peak_;
  }

 private:
  pid_t pid_;
  std::atomic<long> peak_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

Options parseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc)
      die("usage: registry_bench [--stele PATH] [--size-mib N] [--rounds N] "
          "[--put-seconds S]");
    std::string value = argv[++i];
    if (flag == "--stele") {
      o.stele = value;
    } else if (flag == "--size-mib") {
      o.sizeMiB = std::clamp<std::int64_t>(std::atoll(value.c_str()), 1, 64);
    } else if (flag == "--rounds") {
      o.rounds = std::clamp(std::atoi(value.c_str()), 1, 9);
    } else if (flag == "--big-mib") {
      o.bigMiB = std::clamp<std::int64_t>(std::atoll(value.c_str()), 0, 4096);
    } else if (flag == "--put-seconds") {
      o.putSeconds = std::clamp(std::atof(value.c_str()), 0.1, 30.0);
    } else {
      die("unknown flag " + flag);
    }
  }
  return o;
}

struct Row {
  std::string what;
  std::string value;
  std::string note;
};

void printRows(const std::vector<Row>& rows) {
  std::size_t w0 = 0, w1 = 0;
  for (const auto& r : rows) {
    w0 = std::max(w0, r.what.size());
    w1 = std::max(w1, r.value.size());
  }
  for (const auto& r : rows) {
    std::printf("  %-*s  %*s  %s\n", static_cast<int>(w0), r.what.c_str(), static_cast<int>(w1),
                r.value.c_str(), r.note.c_str());
  }
}

std::string format(const char* pattern, double a, double b = 0, double c = 0) {
  char buffer[128];
  std::snprintf(buffer, sizeof buffer, pattern, a, b, c);
  return buffer;
}

int runBench(const Options& options) {
  auto benchStarted = Clock::now();
  std::mt19937_64 rng(std::random_device{}());
  TempDir temp;
  std::string dataDir = temp.path() + "/data";
  std::string log = temp.path() + "/server.log";
  ServerProcess server(options.stele, dataDir, log,
                       {"--max-chunk-size", "64MiB", "--max-disk-size",
                        std::to_string(std::max<std::int64_t>(options.bigMiB, 1)) + "MiB"});
  std::string admin = need(store::readFile(dataDir + "/admin.token"), "read admin token");
  while (!admin.empty() && (admin.back() == '\n' || admin.back() == '\r')) admin.pop_back();
  cli::HttpClient client(cli::ClientOptions{server.url(), admin, "", 120});

  auto keys = need(images::generateKeyPair(), "keygen");
  std::string keyId = images::keyIdOf(need(images::rawPublicKeyFromPem(keys.publicPem), "key"));
  nlohmann::json keyBody = {
      {"publicKey", keys.publicPem}, {"names", {"bench-*"}}, {"comment", "registry_bench"}};
  need(cli::callJson(client, "POST", "/v1/keys", keyBody.dump()), "POST /v1/keys");

  std::vector<Row> rows;
  const std::int64_t size = options.sizeMiB << 20;
  const double sizeMB = static_cast<double>(size) / kMB;
  std::string kernel = temp.path() + "/kernel.bin";
  writeRandomFile(kernel, size, rng);

  // sha256sum on the same (page-cached) file: the yardstick.
  Stats sha;
  for (int i = 0; i < options.rounds; ++i) {
    sha.samples.push_back(runTimed({"sha256sum", kernel}, "/dev/null"));
  }
  double shaMBps = sizeMB / sha.min();
  rows.push_back({"sha256sum " + std::to_string(options.sizeMiB) + " MiB (best of " +
                      std::to_string(options.rounds) + ")",
                  format("%.0f MB/s", shaMBps), format("%.3f s", sha.min())});
  Stats openssl;
  for (int i = 0; i < options.rounds; ++i) {
    openssl.samples.push_back(runTimed({"openssl", "dgst", "-sha256", kernel}, "/dev/null"));
  }
  double opensslMBps = sizeMB / openssl.min();
  rows.push_back({"openssl dgst -sha256 " + std::to_string(options.sizeMiB) + " MiB (best)",
                  format("%.0f MB/s", opensslMBps), format("%.3f s", openssl.min())});
  {
    Stats inproc;
    for (int i = 0; i < options.rounds; ++i) {
      Sha256 hasher;
      auto started = Clock::now();
      need(store::hashFile(kernel, hasher), "hash");
      hasher.finish();
      inproc.samples.push_back(secondsSince(started));
    }
    rows.push_back({"in-process Sha256 over the file (best)",
                    format("%.0f MB/s", sizeMB / inproc.min()),
                    format("%.2fx sha256sum", sha.min() / inproc.min())});
  }

  // End-to-end push of a fresh kernel blob, per chunk size. The chunk sizes take turns within
  // each round (the disk of a shared VM slows down after a burst of writes, so running one size
  // after another would charge the later ones for it), and each round also times a plain
  // durable write of the same bytes (write + fsync through the page cache): the disk's limit at
  // that moment, since a push is durable before it answers.
  const std::vector<std::int64_t> chunkSizes = {8, 16, 64};
  std::vector<Stats> pushes(chunkSizes.size());
  Stats durable;
  int versionCounter = 0;
  std::string copy = temp.path() + "/durable-copy.bin";
  for (int round = 0; round < options.rounds; ++round) {
    for (std::size_t c = 0; c < chunkSizes.size(); ++c) {
      writeRandomFile(kernel, size, rng);  // fresh content: nothing to skip
      // The bench's own dirty pages go to disk first, so they are not charged to the push.
      ::sync();
      cli::PushPlan plan;
      plan.name = "bench-push";
      plan.version = "1.0." + std::to_string(++versionCounter);
      plan.files = {{"kernel", kernel}};
      plan.privateKeyPem = keys.privatePem;
      plan.chunkBytes = chunkSizes[c] << 20;
      auto started = Clock::now();
      auto outcome = need(cli::pushImage(client, plan, {}), "push");
      pushes[c].samples.push_back(secondsSince(started));
      if (!outcome.created || outcome.bytesUploaded != size) die("push did not upload it all");
    }
    ::sync();
    auto bytes = need(store::readFile(kernel), "read kernel");
    auto started = Clock::now();
    if (auto written = store::writeFileAtomically(copy, bytes); !written)
      die("durable write: " + written.error().message);
    durable.samples.push_back(secondsSince(started));
  }
  double durableMBps = sizeMB / durable.median();
  rows.push_back({"durable write " + std::to_string(options.sizeMiB) + " MiB (median)",
                  format("%.0f MB/s", durableMBps), "write + fsync, the disk at that moment"});
  for (std::size_t c = 0; c < chunkSizes.size(); ++c) {
    double best = sizeMB / pushes[c].min();
    double median = sizeMB / pushes[c].median();
    rows.push_back({"push " + std::to_string(options.sizeMiB) + " MiB, " +
                        std::to_string(chunkSizes[c]) + " MiB chunks (best | median)",
                    format("%.0f | %.0f MB/s", best, median),
                    format("%.2fx | %.2fx openssl (goal >= 0.50); %.2fx durable write",
                           best / opensslMBps, median / opensslMBps, median / durableMBps)});
  }

  // A large disk image: the server's memory must stay flat while it streams to disk.
  if (options.bigMiB > 0) {
    std::string disk = temp.path() + "/disk.img";
    writeRandomFile(disk, options.bigMiB << 20, rng);
    cli::PushPlan plan;
    plan.name = "bench-disk";
    plan.version = "1.0.0";
    plan.files = {{"disk", disk}};
    plan.privateKeyPem = keys.privatePem;
    plan.chunkBytes = std::int64_t{16} << 20;
    long before = residentKiB(server.pid());
    ResidentPeak peak(server.pid());
    auto started = Clock::now();
    auto outcome = need(cli::pushImage(client, plan, {}), "push disk");
    double seconds = secondsSince(started);
    long highest = peak.stop();
    if (!outcome.created) die("the disk push created nothing");
    std::filesystem::remove(disk);
    rows.push_back({"push " + std::to_string(options.bigMiB) + " MiB disk, 16 MiB chunks",
                    format("%.0f MB/s", static_cast<double>(options.bigMiB << 20) / kMB / seconds),
                    format("%.1f s", seconds)});
    rows.push_back(
        {"  server VmRSS before | peak | growth",
         format("%.1f | %.1f | %.1f MiB", static_cast<double>(before) / 1024,
                static_cast<double>(highest) / 1024, static_cast<double>(highest - before) / 1024),
         "(goal: growth under 64 MiB)"});
  }

  // Verify (re-hash blobs, re-check signatures) of a 4 MiB image.
  std::string small = temp.path() + "/small.bin";
  writeRandomFile(small, 4 << 20, rng);
  cli::PushPlan smallPlan;
  smallPlan.name = "bench-verify";
  smallPlan.version = "1.0.0";
  smallPlan.files = {{"kernel", small}};
  smallPlan.privateKeyPem = keys.privatePem;
  need(cli::pushImage(client, smallPlan, {}), "push 4 MiB");
  Stats verify;
  for (int i = 0; i < 20; ++i) {
    auto started = Clock::now();
    auto report = need(
        cli::callJson(client, "POST", "/v1/images/bench-verify/versions/1.0.0/verify"), "verify");
    verify.samples.push_back(secondsSince(started) * 1e3);
    if (report.contains("ok") && !report["ok"].get<bool>()) die("verify reported a problem");
  }
  rows.push_back({"verify 4 MiB image (min | median | max of 20)",
                  format("%.1f | %.1f | %.1f ms", verify.min(), verify.median(), verify.max()),
                  ""});

  // Manifest PUTs: blobs already there, manifests signed up front; only the PUTs are timed.
  images::Manifest manifest;
  manifest.name = "bench-put";
  manifest.bootKind = "kernel";
  std::int64_t smallSize = 4 << 20;
  Sha256 smallHasher;
  need(store::hashFile(small, smallHasher), "hash");
  manifest.blobs = {{"kernel", digestString(smallHasher.finish()), smallSize}};
  std::vector<std::string> envelopes;
  for (int i = 0; i < options.putMax; ++i) {
    manifest.version = "2.0." + std::to_string(i);
    envelopes.push_back(envelopeFor(manifest, keys.privatePem, keyId));
  }
  auto putPath = [](int i) { return "/v1/images/bench-put/versions/2.0." + std::to_string(i); };
  Stats putLatency;
  auto putStarted = Clock::now();
  int puts = 0;
  while (puts < options.putMax && secondsSince(putStarted) < options.putSeconds) {
    auto started = Clock::now();
    auto response = need(client.request("PUT", putPath(puts), envelopes[puts]), "PUT manifest");
    putLatency.samples.push_back(secondsSince(started) * 1e3);
    if (response.status != 201) die("manifest PUT: " + cli::responseError(response).message);
    ++puts;
  }
  double putElapsed = secondsSince(putStarted);
  rows.push_back(
      {"manifest PUT, new version (" + std::to_string(puts) + " requests)",
       format("%.0f req/s", puts / putElapsed),
       format("p50 %.2f ms, p99 %.2f ms", putLatency.median(), putLatency.percentile(0.99))});

  Stats rePutLatency;
  auto rePutStarted = Clock::now();
  int rePuts = 0;
  while (rePuts < options.putMax && secondsSince(rePutStarted) < options.putSeconds / 2) {
    auto started = Clock::now();
    auto response = need(client.request("PUT", putPath(0), envelopes[0]), "re-PUT manifest");
    rePutLatency.samples.push_back(secondsSince(started) * 1e3);
    if (response.status != 200) die("idempotent re-PUT: " + cli::responseError(response).message);
    ++rePuts;
  }
  double rePutElapsed = secondsSince(rePutStarted);
  rows.push_back(
      {"manifest re-PUT, same bytes (" + std::to_string(rePuts) + " requests)",
       format("%.0f req/s", rePuts / rePutElapsed),
       format("p50 %.2f ms, p99 %.2f ms", rePutLatency.median(), rePutLatency.percentile(0.99))});

  std::printf("\nStele registry benchmark (server %s, %ld CPUs online, load %s)\n\n",
              server.url().c_str(), sysconf(_SC_NPROCESSORS_ONLN),
              [] {
                std::ifstream in("/proc/loadavg");
                std::string a;
                in >> a;
                return a;
              }()
                  .c_str());
  printRows(rows);
  std::printf("\n  total bench time %.1f s\n", secondsSince(benchStarted));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return runBench(parseOptions(argc, argv));
  } catch (const BenchFailure& failure) {
    std::fprintf(stderr, "registry_bench: %s\n", failure.message.c_str());
    return 1;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "registry_bench: %s\n", error.what());
    return 1;
  }
}
