// `stele server`: parses flags into ServerOptions and runs the control plane.
#include <cstdio>

#include "cli/args.h"
#include "cli/client_context.h"
#include "cli/commands.h"
#include "cli/server_runner.h"
#include "cli/size_units.h"

namespace stele::cli {

int runServerCommand(const Argv& argv) {
  auto args = Args::parse(argv,
                          {"listen",
                           "data-dir",
                           "tls-cert",
                           "tls-key",
                           "threads",
                           "max-kernel-size",
                           "max-initrd-size",
                           "max-disk-size",
                           "max-chunk-size",
                           "allow-test-hosts",
                           "host-socket-dir",
                           "ssh-key",
                           "ssh-known-hosts",
                           "tls-pki-dir",
                           "guest-firmware",
                           "host-grace-ms",
                           "host-call-deadline-ms",
                           "host-provision-deadline-ms",
                           "backoff-base-ms",
                           "backoff-max-ms",
                           "reconcile-backstop-ms",
                           "test-health-dir",
                           "max-uploads-per-token",
                           "upload-idle-timeout-ms",
                           "max-header-bytes",
                           "max-buffered-bytes",
                           "max-connections",
                           "max-connections-per-client",
                           "header-timeout-ms",
                           "idle-timeout-ms",
                           "min-body-rate"},
                          {"help"});
  if (!args) return reportError(args.error());
  if (args->has("help")) {
    std::puts(
        "stele server [--listen 127.0.0.1:7070] [--data-dir /var/lib/stele]\n"
        "             [--tls-cert CERT.pem --tls-key KEY.pem] [--threads 4]\n"
        "             [--max-kernel-size 64MiB] [--max-initrd-size 512MiB]\n"
        "             [--max-disk-size 512MiB] [--max-chunk-size 16MiB]\n"
        "             [--host-socket-dir /run/libvirt] [--ssh-key FILE]\n"
        "             [--ssh-known-hosts FILE] [--tls-pki-dir DIR]\n"
        "             [--guest-firmware /usr/share/qemu/qboot.rom]  ('' = libvirt's default)\n"
        "             [--host-grace-ms 30000] [--host-call-deadline-ms 30000]\n"
        "             [--host-provision-deadline-ms 120000]\n"
        "             [--backoff-base-ms 1000] [--backoff-max-ms 60000]\n"
        "             [--reconcile-backstop-ms 2000]\n"
        "             [--max-uploads-per-token 16] [--upload-idle-timeout-ms 3600000]\n"
        "  HTTP edge:  [--max-header-bytes 16KiB] [--max-buffered-bytes 64MiB]\n"
        "             [--max-connections 1024] [--max-connections-per-client 256]\n"
        "             [--header-timeout-ms 10000] [--idle-timeout-ms 60000]\n"
        "             [--min-body-rate 64KiB]      (bytes per second a body must keep up)\n"
        "             [--allow-test-hosts DIR]   (tests only: accept test:///DIR/....xml hosts)\n"
        "             [--test-health-dir DIR]    (tests only: health answers from DIR/<instance>)");
    return 0;
  }
  ServerOptions options;
  options.listen = args->valueOr("listen", options.listen);
  options.dataDir = args->valueOr("data-dir", options.dataDir);
  options.tlsCert = args->valueOr("tls-cert", "");
  options.tlsKey = args->valueOr("tls-key", "");
  options.threads = std::atoi(args->valueOr("threads", "4").c_str());
  if (options.threads < 1 || options.threads > 64) {
    return reportError({ErrorKind::InvalidArgument, "usage", "--threads must be 1-64"});
  }
  struct SizeFlag {
    const char* name;
    std::int64_t* target;
  };
  auto& edge = options.edgeLimits;
  std::int64_t chunk = static_cast<std::int64_t>(options.apiLimits.maxChunkBytes);
  auto headerBytes = static_cast<std::int64_t>(edge.head.maxHeaderBytes);
  auto bufferedBytes = static_cast<std::int64_t>(edge.maxBufferedBytes);
  auto bodyRate = static_cast<std::int64_t>(edge.minBodyBytesPerSecond);
  for (SizeFlag flag :
       {SizeFlag{"max-kernel-size", &options.blobLimits.kernel},
        SizeFlag{"max-initrd-size", &options.blobLimits.initrd},
        SizeFlag{"max-disk-size", &options.blobLimits.disk}, SizeFlag{"max-chunk-size", &chunk},
        SizeFlag{"max-header-bytes", &headerBytes}, SizeFlag{"max-buffered-bytes", &bufferedBytes},
        SizeFlag{"min-body-rate", &bodyRate}}) {
    if (auto text = args->value(flag.name)) {
      auto bytes = parseSize(*text);
      if (!bytes) {
        return reportError({ErrorKind::InvalidArgument, "usage",
                            std::string("--") + flag.name + ": " + bytes.error().message});
      }
      *flag.target = *bytes;
    }
  }
  options.apiLimits.maxChunkBytes = static_cast<std::size_t>(chunk);
  if (headerBytes < 1024 || bufferedBytes < (1 << 20) || bodyRate < 1) {
    return reportError({ErrorKind::InvalidArgument, "usage",
                        "--max-header-bytes must be at least 1KiB, --max-buffered-bytes at "
                        "least 1MiB and --min-body-rate at least 1"});
  }
  edge.head.maxHeaderBytes = static_cast<std::size_t>(headerBytes);
  edge.maxBufferedBytes = static_cast<std::size_t>(bufferedBytes);
  edge.minBodyBytesPerSecond = static_cast<std::uint64_t>(bodyRate);
  auto& uris = options.hostUris;
  uris.socketDir = args->valueOr("host-socket-dir", uris.socketDir);
  uris.testHostsDir = args->valueOr("allow-test-hosts", "");
  uris.sshKeyFile = args->valueOr("ssh-key", "");
  uris.sshKnownHostsFile = args->valueOr("ssh-known-hosts", "");
  uris.tlsPkiDir = args->valueOr("tls-pki-dir", "");
  options.guestFirmware = args->valueOr("guest-firmware", options.guestFirmware);
  struct IntegerFlag {
    const char* name;
    std::int64_t* target;
    std::int64_t max = 86'400'000;
    const char* unit = " (ms)";
  };
  auto& settings = options.reconciler.settings;
  std::int64_t headerTimeoutMs = edge.headerTimeout.count();
  std::int64_t idleTimeoutMs = edge.idleTimeout.count();
  auto connections = static_cast<std::int64_t>(edge.maxConnections);
  auto perClient = static_cast<std::int64_t>(edge.maxConnectionsPerClient);
  std::int64_t callDeadlineMs = options.hostCalls.callDeadline.count();
  std::int64_t provisionDeadlineMs = options.hostCalls.provisionDeadline.count();
  for (IntegerFlag flag :
       {IntegerFlag{"host-grace-ms", &settings.hostGraceMs},
        IntegerFlag{"host-call-deadline-ms", &callDeadlineMs},
        IntegerFlag{"host-provision-deadline-ms", &provisionDeadlineMs},
        IntegerFlag{"backoff-base-ms", &settings.backoffBaseMs},
        IntegerFlag{"backoff-max-ms", &settings.backoffMaxMs},
        IntegerFlag{"reconcile-backstop-ms", &options.reconciler.backstopMs},
        IntegerFlag{"header-timeout-ms", &headerTimeoutMs},
        IntegerFlag{"idle-timeout-ms", &idleTimeoutMs},
        IntegerFlag{"max-connections", &connections, 1'000'000, ""},
        IntegerFlag{"max-connections-per-client", &perClient, 1'000'000, ""},
        IntegerFlag{"upload-idle-timeout-ms", &options.uploads.idleTimeoutMs, 604'800'000},
        IntegerFlag{"max-uploads-per-token", &options.uploads.maxPerOwner, 10'000, ""}}) {
    if (auto text = args->value(flag.name)) {
      char* end = nullptr;
      long long value = std::strtoll(text->c_str(), &end, 10);
      if (text->empty() || *end != '\0' || value < 1 || value > flag.max) {
        return reportError({ErrorKind::InvalidArgument, "usage",
                            std::string("--") + flag.name + " must be 1 to " +
                                std::to_string(flag.max) + flag.unit});
      }
      *flag.target = value;
    }
  }
  options.hostCalls.callDeadline = std::chrono::milliseconds(callDeadlineMs);
  options.hostCalls.provisionDeadline = std::chrono::milliseconds(provisionDeadlineMs);
  edge.headerTimeout = std::chrono::milliseconds(headerTimeoutMs);
  edge.idleTimeout = std::chrono::milliseconds(idleTimeoutMs);
  edge.maxConnections = static_cast<std::size_t>(connections);
  edge.maxConnectionsPerClient = static_cast<std::size_t>(perClient);
  options.testHealthDir = args->valueOr("test-health-dir", "");
  return runServer(options);
}

}  // namespace stele::cli
