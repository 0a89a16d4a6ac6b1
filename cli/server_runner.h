// `stele server`: the composition root. It chooses the concrete parts (SQLite store, blob
// store, libvirt hypervisor, prober), wires the registry, the desired state and the reconciler
// to them, and serves the API over HTTP(S). api/ only translates HTTP.
#pragma once

#include <cstdint>
#include <string>

#include "api/edge_limits.h"
#include "api/services.h"
#include "hypervisor/deadline_hypervisor.h"
#include "images/registry.h"
#include "scheduler/host_uri.h"
#include "scheduler/reconciler.h"
#include "store/blob_store.h"

namespace stele::cli {

struct ServerOptions {
  std::string listen = "127.0.0.1:7070";
  std::string dataDir = "/var/lib/stele";
  std::string tlsCert;
  std::string tlsKey;
  int threads = 4;
  images::BlobLimits blobLimits;
  store::UploadPolicy uploads;  // per-token cap and idle timeout of upload sessions
  api::ApiLimits apiLimits;
  api::EdgeLimits edgeLimits;         // connections, header size, buffered bytes, timeouts
  scheduler::HostUriPolicy hostUris;  // accepted host URIs; the ssh/TLS files libvirt gets
  scheduler::ReconcilerOptions reconciler;
  hypervisor::DeadlineOptions hostCalls;  // how long a host call may take before it is hung
  // BIOS ROM the guests boot with, a path on every libvirt host (LibvirtHypervisorOptions);
  // empty = libvirt's default. qboot takes ~50-100 ms off each boot under TCG.
  std::string guestFirmware = "/usr/share/qemu/qboot.rom";
  // Tests only: health answers read from files DIR/<instance-id> ("pass" or "fail: why")
  // instead of probing, for hosts on libvirt's test driver where no VM answers.
  std::string testHealthDir;
};

// Runs until SIGINT/SIGTERM. Returns the process exit code.
int runServer(const ServerOptions& options);

}  // namespace stele::cli
