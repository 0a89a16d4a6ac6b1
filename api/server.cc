#include "api/server.h"

#include <sys/stat.h>

#include <csignal>
#include <cstdio>
#include <filesystem>

#include "api/dispatcher.h"
#include "api/pistache_adapter.h"
#include "api/router.h"
#include "common/random.h"
#include "hypervisor/libvirt_hypervisor.h"
#include "scheduler/host_inventory.h"
#include "store/blob_store.h"
#include "store/database.h"
#include "store/file_io.h"
#include "store/host_repository.h"
#include "store/image_repository.h"
#include "store/key_repository.h"
#include "store/token_repository.h"

namespace stele::api {
namespace {

Result<ListenOptions> parseListen(const ServerOptions& options) {
  ListenOptions listen;
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
  listen.maxRequestBytes = options.apiLimits.maxChunkBytes + (1u << 20);
  listen.tlsCert = options.tlsCert;
  listen.tlsKey = options.tlsKey;
  if (listen.tlsCert.empty() != listen.tlsKey.empty()) {
    return fail(ErrorKind::InvalidArgument, "tls_invalid", "--tls-cert and --tls-key go together");
  }
  return listen;
}

// On first start (no token at all), issues the admin token and writes it to
// DATA/admin.token with mode 0600. The token is never printed.
Result<void> bootstrapAdminToken(TokenService& tokens, const std::string& dataDir) {
  auto empty = tokens.empty();
  if (!empty) return fail(empty.error());
  if (!*empty) return {};
  auto issued = tokens.issue(Role::Admin, {"*"}, "bootstrap admin token");
  if (!issued) return fail(issued.error());
  std::string path = dataDir + "/admin.token";
  if (auto r = store::writeFileAtomically(path, issued->secret + "\n", 0600); !r) return r;
  std::fprintf(stderr, "stele: first start: admin token written to %s (mode 0600)\n", path.c_str());
  return {};
}

}  // namespace

int runServer(const ServerOptions& options) {
  auto listen = parseListen(options);
  if (!listen) {
    std::fprintf(stderr, "stele server: %s\n", listen.error().message.c_str());
    return 2;
  }
  if (auto r = store::makeDirectories(options.dataDir, 0700); !r) {
    std::fprintf(stderr, "stele server: %s\n", r.error().message.c_str());
    return 1;
  }
  auto db = store::Database::open(options.dataDir + "/stele.db");
  if (!db) {
    std::fprintf(stderr, "stele server: %s\n", db.error().message.c_str());
    return 1;
  }
  SystemClock clock;
  SystemRandom random;
  store::TokenRepository tokenRepo(**db);
  store::KeyRepository keyRepo(**db);
  store::ImageRepository imageRepo(**db);
  auto blobs = store::BlobStore::open(options.dataDir, **db, clock, random);
  if (!blobs) {
    std::fprintf(stderr, "stele server: %s\n", blobs.error().message.c_str());
    return 1;
  }
  images::Registry registry(imageRepo, keyRepo, **blobs, clock, options.blobLimits);
  images::TrustStore trust(keyRepo, clock);
  TokenService tokens(tokenRepo, clock, random);
  store::HostRepository hostRepo(**db);
  hypervisor::LibvirtHypervisor hypervisor(clock);
  scheduler::HostInventory hosts(hostRepo, hypervisor, clock, options.dataDir + "/instances");
  if (auto r = hosts.connectAll(); !r) {
    std::fprintf(stderr, "stele server: %s\n", r.error().message.c_str());
    return 1;
  }
  Metrics metrics;
  Services services{registry, trust, **blobs, tokens, hosts, metrics, clock, options.apiLimits};
  if (auto r = bootstrapAdminToken(tokens, options.dataDir); !r) {
    std::fprintf(stderr, "stele server: %s\n", r.error().message.c_str());
    return 1;
  }

  Router router;
  addSystemRoutes(router, services);
  addTokenRoutes(router, services);
  addKeyRoutes(router, services);
  addBlobRoutes(router, services);
  addImageRoutes(router, services);
  addHostRoutes(router, services);
  Dispatcher dispatcher(router, services);

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  auto endpoint = HttpEndpoint::start(*listen, dispatcher);
  if (!endpoint) {
    std::fprintf(stderr, "stele server: %s\n", endpoint.error().message.c_str());
    return 1;
  }
  std::printf("stele server listening on %s://%s:%u (data %s)\n",
              listen->tlsCert.empty() ? "http" : "https", listen->host.c_str(),
              static_cast<unsigned>((*endpoint)->port()), options.dataDir.c_str());
  std::fflush(stdout);
  int received = 0;
  sigwait(&signals, &received);
  std::fprintf(stderr, "stele server: signal %d, shutting down\n", received);
  (*endpoint)->stop();
  return 0;
}

}  // namespace stele::api
