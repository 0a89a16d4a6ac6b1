// Prints a table: define+start+destroy latency (min/median/max) with libvirt's test driver and
// with real QEMU under TCG, and the time from kill -9 of a QEMU to the crash/stop event
// reaching a subscriber. The QEMU rounds run in a private libvirtd inside its own network
// namespace (tests/hypervisor/e2e/private_libvirtd.h); run as root.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "hypervisor/libvirt_hypervisor.h"
#include "tests/hypervisor/e2e/guest_image.h"
#include "tests/hypervisor/e2e/private_libvirtd.h"

namespace {

using namespace stele;
using namespace stele::hypervisor;
using Millis = std::chrono::duration<double, std::milli>;
using SteadyClock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct Row {
  std::string scenario;
  std::vector<double> samples;
  std::string note;
};

DomainSpec specFor(const std::string& instance, const std::string& kernel,
                   const std::string& initrd) {
  DomainSpec spec;
  spec.instanceId = instance;
  spec.name = "bench-" + instance;
  spec.deployment = "bench";
  spec.revision = "1";
  spec.imageDigest = "sha256:" + std::string(64, 'e');
  spec.kernelPath = kernel;
  spec.initrdPath = initrd;
  spec.cmdline = e2e::guestCmdline("10.213.9.10/24", 7070);
  spec.memoryMiB = 256;
  spec.vcpus = 1;
  return spec;
}

// Waits for the first event matching an instance and kind set, and records when it arrived.
class Arrivals {
 public:
  EventHandler handler() {
    return [this](const Event& event) {
      std::lock_guard lock(mutex_);
      seen_.push_back({event, SteadyClock::now()});
      cv_.notify_all();
    };
  }
  std::optional<SteadyClock::time_point> waitFor(const std::string& instance,
                                                 std::vector<EventKind> kinds,
                                                 std::chrono::seconds timeout) {
    std::unique_lock lock(mutex_);
    std::optional<SteadyClock::time_point> at;
    cv_.wait_for(lock, timeout, [&] {
      for (const auto& [event, when] : seen_) {
        if (event.instanceId == instance &&
            std::find(kinds.begin(), kinds.end(), event.kind) != kinds.end()) {
          at = when;
          return true;
        }
      }
      return false;
    });
    return at;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::pair<Event, SteadyClock::time_point>> seen_;
};

std::optional<std::string> provisionDestroyRounds(
    LibvirtHypervisor& hypervisor, const std::string& host, int rounds, const std::string& kernel,
    const std::string& initrd, const std::vector<std::string>& networks, Row& row) {
  for (int i = 0; i < rounds; ++i) {
    auto spec = specFor("r" + std::to_string(i), kernel, initrd);
    spec.networks = networks;
    auto start = SteadyClock::now();
    auto provisioned = hypervisor.provision(host, spec);
    if (!provisioned) return provisioned.error().message;
    auto destroyed = hypervisor.destroy(host, spec.instanceId);
    if (!destroyed) return destroyed.error().message;
    row.samples.push_back(Millis(SteadyClock::now() - start).count());
  }
  return std::nullopt;
}

void printTable(const std::vector<Row>& rows) {
  std::printf("\n%-46s %7s %10s %10s %10s\n", "scenario", "rounds", "min ms", "median ms",
              "max ms");
  std::printf("%s\n", std::string(87, '-').c_str());
  for (auto row : rows) {
    if (row.samples.empty()) {
      std::printf("%-46s %7s %s\n", row.scenario.c_str(), "-", row.note.c_str());
      continue;
    }
    // A scenario that failed part-way has no figure: its rounds so far would look fine.
    if (row.note.starts_with("FAILED")) {
      std::printf("%-46s %7zu %10s %10s %10s\n    %s\n", row.scenario.c_str(), row.samples.size(),
                  "INVALID", "INVALID", "INVALID", row.note.c_str());
      continue;
    }
    std::sort(row.samples.begin(), row.samples.end());
    std::printf("%-46s %7zu %10.1f %10.1f %10.1f\n", row.scenario.c_str(), row.samples.size(),
                row.samples.front(), row.samples[row.samples.size() / 2], row.samples.back());
    if (!row.note.empty()) std::printf("    %s\n", row.note.c_str());
  }
}

int argument(int argc, char** argv, const char* name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return std::atoi(argv[i + 1]);
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const int testRounds = argument(argc, argv, "--test-rounds", 50);
  const int qemuRounds = argument(argc, argv, "--qemu-rounds", 10);
  const int killRounds = argument(argc, argv, "--kill-rounds", 5);
  SystemClock clock;
  std::vector<Row> rows;
  int status = 0;

  {
    Row row{"define+start+destroy, test driver", {}, ""};
    char dir[] = "/tmp/stele-bench-XXXXXX";
    if (mkdtemp(dir) == nullptr) return 1;
    const std::string root = dir;
    std::ofstream(root + "/kernel") << "k";
    std::ofstream(root + "/initrd") << "i";
    LibvirtHypervisor hypervisor(clock);
    const std::string uri =
        "test://" + std::string(STELE_SOURCE_DIR) + "/tests/hypervisor/hosts/large.xml";
    (void)hypervisor.connectHost({"test", uri, Acceleration::Qemu, root + "/instances"});
    if (auto ok = hypervisor.awaitReachable("test", 10s); !ok) {
      row.note = "FAILED: " + ok.error().message;
      status = 1;
    } else if (auto error = provisionDestroyRounds(hypervisor, "test", testRounds, root + "/kernel",
                                                   root + "/initrd", {}, row)) {
      row.note = "FAILED: " + *error;
      status = 1;
    }
    std::filesystem::remove_all(root);
    rows.push_back(row);
  }

  auto env = e2e::PrivateLibvirtd::start("bench");
  if (!env) {
    rows.push_back({"define+start+destroy, QEMU TCG", {}, "FAILED: " + env.error().message});
    printTable(rows);
    return 1;
  }
  auto image = e2e::buildGuestImage(STELE_GUEST_INIT, (*env)->root() + "/guest");
  if (!image) {
    rows.push_back({"define+start+destroy, QEMU TCG", {}, "FAILED: " + image.error().message});
    printTable(rows);
    return 1;
  }
  Arrivals arrivals;
  LibvirtHypervisor hypervisor(clock, LibvirtHypervisorOptions{.backstopInterval = 10s});
  (void)hypervisor.subscribe(arrivals.handler());
  (void)hypervisor.connectHost({"qemu", (*env)->uri(), Acceleration::Qemu, (*env)->instanceDir()});
  if (auto ok = hypervisor.awaitReachable("qemu", 120s); !ok) {
    rows.push_back({"define+start+destroy, QEMU TCG", {}, "FAILED: " + ok.error().message});
    printTable(rows);
    return 1;
  }
  const NetworkSpec network{"bench", "stelebr9", HostAddress{"10.213.9.1", 24}};
  if (auto ok = hypervisor.ensureNetwork("qemu", network); !ok) {
    rows.push_back({"define+start+destroy, QEMU TCG", {}, "FAILED: " + ok.error().message});
    printTable(rows);
    return 1;
  }

  {
    Row row{"define+start+destroy, QEMU TCG (1 NIC)",
            {},
            "guest not waited for: QEMU process start to destroy"};
    if (auto error = provisionDestroyRounds(hypervisor, "qemu", qemuRounds, image->kernel,
                                            image->initrd, {network.name}, row)) {
      row.note = "FAILED: " + *error;
      status = 1;
    }
    rows.push_back(row);
  }

  {
    Row row{"kill -9 QEMU -> event at subscriber",
            {},
            "event is DomainCrashed (libvirt: STOPPED/FAILED)"};
    for (int i = 0; i < killRounds; ++i) {
      auto spec = specFor("k" + std::to_string(i), image->kernel, image->initrd);
      spec.networks = {network.name};
      if (auto ok = hypervisor.provision("qemu", spec); !ok) {
        row.note = "FAILED: " + ok.error().message;
        status = 1;
        break;
      }
      arrivals.waitFor(spec.instanceId, {EventKind::DomainStarted}, 30s);
      auto pid = (*env)->qemuPid(spec.name);
      if (!pid) {
        row.note = "FAILED: " + pid.error().message;
        status = 1;
        break;
      }
      auto killedAt = SteadyClock::now();
      kill(*pid, SIGKILL);
      auto arrived = arrivals.waitFor(spec.instanceId,
                                      {EventKind::DomainCrashed, EventKind::DomainStopped}, 60s);
      if (!arrived) {
        row.note = "FAILED: no event within 60 s";
        status = 1;
        break;
      }
      row.samples.push_back(Millis(*arrived - killedAt).count());
      (void)hypervisor.destroy("qemu", spec.instanceId);
    }
    rows.push_back(row);
  }
  (void)hypervisor.removeNetwork("qemu", network.name);
  printTable(rows);
  for (const auto& row : rows) {
    if (row.note.starts_with("FAILED")) status = 1;
  }
  return status;
}
