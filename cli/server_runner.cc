#include "cli/server_runner.h"

#include <csignal>
#include <cstdio>
#include <memory>

#include "api/dispatcher.h"
#include "api/pistache_adapter.h"
#include "api/router.h"
#include "common/random.h"
#include "hypervisor/deadline_hypervisor.h"
#include "hypervisor/libvirt_hypervisor.h"
#include "scheduler/desired_state.h"
#include "scheduler/event_log.h"
#include "scheduler/health/socket_prober.h"
#include "scheduler/host_inventory.h"
#include "scheduler/probing_health_monitor.h"
#include "scheduler/reconciler.h"
#include "scheduler/scripted_health_monitor.h"
#include "store/blob_store.h"
#include "store/database.h"
#include "store/desired_repository.h"
#include "store/file_io.h"
#include "store/host_repository.h"
#include "store/image_repository.h"
#include "store/instance_repository.h"
#include "store/key_repository.h"
#include "store/token_repository.h"
#include "store/trusted_file.h"
#include "store/upload_sweeper.h"

namespace stele::cli {
namespace {

Result<api::ListenOptions> parseListen(const ServerOptions& options) {
  api::ListenOptions listen;
  auto colon = options.listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return fail(ErrorKind::InvalidArgument, "listen_invalid", "--listen must be HOST:PORT");
  }
  listen.host = options.listen.substr(0, colon);
  std::string port = options.listen.substr(colon + 1);
  char* end = nullptr;
  long value = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || value < 0 || value > 65535) {
    return fail(ErrorKind::InvalidArgument, "listen_invalid", "--listen port must be 0-65535");
  }
  listen.port = static_cast<std::uint16_t>(value);
  listen.threads = options.threads;
  listen.limits = options.edgeLimits;
  listen.tlsCert = options.tlsCert;
  listen.tlsKey = options.tlsKey;
  if (listen.tlsCert.empty() != listen.tlsKey.empty()) {
    return fail(ErrorKind::InvalidArgument, "tls_invalid", "--tls-cert and --tls-key go together");
  }
  return listen;
}

int failed(const Error& error, int code = 1) {
  std::fprintf(stderr, "stele server: %s\n", error.message.c_str());
  return code;
}

}  // namespace

int runServer(const ServerOptions& options) {
  // SIGINT and SIGTERM are taken by sigwait() below. They are blocked before any thread
  // starts (the hypervisor's event loop, the prober, the HTTP workers inherit the mask):
  // a signal delivered to a thread that left them unblocked would end the process at once.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  auto listen = parseListen(options);
  if (!listen) return failed(listen.error(), 2);
  if (auto r = scheduler::validateHostUriPolicy(options.hostUris); !r) return failed(r.error(), 2);
  // Blobs, tokens and the database live there: nobody else may write it (or its blob and
  // upload directories, checked by the blob store).
  if (auto r = store::ensurePrivateDirectory(options.dataDir, store::LinkPolicy::Follow); !r)
    return failed(r.error());
  auto db = store::Database::open(options.dataDir + "/stele.db");
  if (!db) return failed(db.error());
  SystemClock clock;
  SystemRandom random;
  store::TokenRepository tokenRepo(**db);
  store::KeyRepository keyRepo(**db);
  store::ImageRepository imageRepo(**db);
  auto blobs = store::BlobStore::open(options.dataDir, **db, clock, random, options.uploads);
  if (!blobs) return failed(blobs.error());
  images::Registry registry(imageRepo, keyRepo, **blobs, clock, options.blobLimits);
  store::DesiredRepository desiredRepo(**db);
  store::InstanceRepository instanceRepo(**db);
  registry.setDeleteGuard([&](const std::string& name, const std::string& version) -> Result<void> {
    auto users = desiredRepo.deploymentsUsing(name, version);
    if (!users) return fail(users.error());
    if (!users->empty()) {
      return fail(ErrorKind::Conflict, "image_in_use",
                  name + ":" + version + " is used by deployment " + users->front());
    }
    return {};
  });
  images::TrustStore trust(keyRepo, clock);
  api::TokenService tokens(tokenRepo, clock, random);
  store::HostRepository hostRepo(**db);
  // Every host call has a deadline: a hung libvirtd makes its host unreachable instead of
  // stalling the reconciler (hypervisor/deadline_hypervisor.h).
  hypervisor::DeadlineHypervisor hypervisor(
      std::make_shared<hypervisor::LibvirtHypervisor>(
          clock, hypervisor::LibvirtHypervisorOptions{.guestFirmware = options.guestFirmware}),
      clock, options.hostCalls);
  scheduler::HostInventory hosts(hostRepo, hypervisor, clock, options.dataDir + "/instances",
                                 options.hostUris);
  if (auto r = hosts.connectAll(); !r) return failed(r.error());
  scheduler::DesiredState desired(**db, registry, hosts, clock);
  scheduler::EventLog events(**db, clock);
  // Health: probes from outside the guest; scripted answers only when a test asks for them.
  std::function<void()> wakeReconciler;
  std::unique_ptr<scheduler::health::SocketProber> prober;
  std::unique_ptr<scheduler::ProbingHealthMonitor> probing;
  std::unique_ptr<scheduler::ScriptedHealthMonitor> scripted;
  scheduler::HealthMonitor* health = nullptr;
  if (!options.testHealthDir.empty()) {
    scripted = std::make_unique<scheduler::ScriptedHealthMonitor>(options.testHealthDir);
    health = scripted.get();
  } else {
    prober = std::make_unique<scheduler::health::SocketProber>();
    probing = std::make_unique<scheduler::ProbingHealthMonitor>(*prober, hypervisor, clock,
                                                                [&wakeReconciler] {
                                                                  if (wakeReconciler)
                                                                    wakeReconciler();
                                                                });
    health = probing.get();
  }
  scheduler::Reconciler reconciler(**db, desired, registry, **blobs, hypervisor, events, clock,
                                   random, health, options.reconciler);
  wakeReconciler = [&reconciler] { reconciler.wake(); };
  desired.onChange([&reconciler] { reconciler.wake(); });
  api::Metrics metrics;
  api::Services services{registry, trust,      **blobs,          tokens,       hosts,
                         desired,  reconciler, events,           instanceRepo, hypervisor,
                         metrics,  clock,      options.apiLimits};
  if (auto r = api::bootstrapAdminToken(tokens, options.dataDir); !r) return failed(r.error());
  if (auto r = reconciler.recover(); !r) return failed(r.error());

  api::Router router;
  api::addAllRoutes(router, services);
  api::Dispatcher dispatcher(router, services);

  auto endpoint = api::HttpEndpoint::start(*listen, dispatcher, metrics);
  if (!endpoint) return failed(endpoint.error());
  std::printf("stele server listening on %s://%s:%u (data %s)\n",
              listen->tlsCert.empty() ? "http" : "https", listen->host.c_str(),
              static_cast<unsigned>((*endpoint)->port()), options.dataDir.c_str());
  std::fflush(stdout);
  reconciler.start();
  if (probing) probing->start();
  store::UploadSweeper sweeper(**blobs,
                               store::UploadSweeper::periodFor(options.uploads.idleTimeoutMs));
  sweeper.start();
  int received = 0;
  sigwait(&signals, &received);
  std::fprintf(stderr, "stele server: signal %d, shutting down\n", received);
  events.close();  // ends waiting event streams, so no handler holds the endpoint open
  (*endpoint)->stop();
  sweeper.stop();
  reconciler.stop();
  if (probing) probing->stop();
  prober.reset();  // answers what is in flight while the monitor still exists
  return 0;
}

}  // namespace stele::cli
