// Host URIs as typed parts, from an allow-list, and the libvirt URI built back from them.
//
// A libvirt URI is code: remote transports take query parameters that name local programs
// and files (ssh: command, netcat, keyfile, known_hosts; tls: pkipath; ...), and test:///PATH
// opens any file. So a request's URI is parsed into the parts below, everything else is
// refused, and libvirt only ever receives what buildHostUri makes of those parts; the files
// ssh and TLS need come from the server's configuration (HostUriPolicy), never the request.
//
// Accepted (nothing else; no percent-encoding, no fragment, no other query parameter):
//   qemu:///system                                    the local system daemon
//   qemu+unix:///system?socket=PATH                   PATH strictly below policy.socketDir
//   qemu+ssh://[USER@]HOST[:PORT]/system              + keyfile, known_hosts from the policy
//   qemu+tls://HOST[:PORT]/system                     + pkipath from the policy
//   test:///ABS/PATH.xml                              only if policy.testHostsDir is set, and
//                                                     PATH lies strictly below it
// HOST: RFC 1123 labels (letters, digits, inner '-', each 1-63, at most 253 in all, not all
// digits in the last label) or an IPv4 literal; USER: [A-Za-z0-9._-], not starting with '-',
// at most 32; PORT: 1-65535 without leading zeros. /session is refused: Stele manages system
// domains, and a session URI makes libvirt spawn a per-user daemon on the control plane.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace stele::scheduler {

enum class HostTransport { Local, Unix, Ssh, Tls, Test };

struct HostUri {
  HostTransport transport = HostTransport::Local;
  std::string user;         // ssh only; may be empty
  std::string host;         // ssh, tls
  std::optional<int> port;  // ssh, tls
  std::string socket;       // unix: absolute, normalised, below the socket directory
  std::string file;         // test: absolute, normalised, below the test hosts directory
};

// Server configuration for host URIs. Paths are absolute (checked by validateHostUriPolicy).
struct HostUriPolicy {
  std::string socketDir = "/run/libvirt";  // qemu+unix sockets must lie below it
  std::string testHostsDir;                // empty: test:/// URIs are refused
  std::string sshKeyFile;                  // optional: passed as keyfile=
  std::string sshKnownHostsFile;           // optional: passed as known_hosts=
  std::string tlsPkiDir;                   // optional: passed as pkipath=
};

// Pure and lexical (no filesystem access): InvalidArgument "host_invalid" with a message
// "uri: ..." that names the refused transport, parameter or part.
Result<HostUri> parseHostUri(std::string_view text, const HostUriPolicy& policy);

// The URI for libvirt, from typed parts only. Without a policy, the canonical form Stele stores
// and shows (no server file paths in it); with one, the server's ssh/TLS files are appended.
std::string buildHostUri(const HostUri& uri, const HostUriPolicy* policy = nullptr);

// The policy's own paths: absolute, normalised, URI-safe characters. Checked at server start.
Result<void> validateHostUriPolicy(const HostUriPolicy& policy);

// True if `path` is absolute and normalised: no empty, "." or ".." segment, no trailing '/'.
bool isNormalisedAbsolutePath(std::string_view path);

}  // namespace stele::scheduler
