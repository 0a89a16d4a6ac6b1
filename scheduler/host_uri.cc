#include "scheduler/host_uri.h"

#include <array>
#include <cstdio>
#include <vector>

namespace stele::scheduler {
namespace {

constexpr std::size_t kMaxUriBytes = 512;

std::unexpected<Error> refuse(const std::string& reason) {
  return fail(ErrorKind::InvalidArgument, "host_invalid", "uri: " + reason);
}

bool isAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Characters allowed in a path we pass on (socket, test file, policy paths).
bool isPathChar(char c) {
  return isAlnum(c) || c == '/' || c == '.' || c == '_' || c == '-' || c == '~';
}

bool allDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!isDigit(c)) return false;
  }
  return true;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    auto end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

bool isIpv4(std::string_view host) {
  auto octets = split(host, '.');
  if (octets.size() != 4) return false;
  for (auto octet : octets) {
    if (!allDigits(octet) || octet.size() > 3 || (octet.size() > 1 && octet[0] == '0')) {
      return false;
    }
    if (std::stoi(std::string(octet)) > 255) return false;
  }
  return true;
}

bool isRfc1123Hostname(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  auto labels = split(host, '.');
  for (auto label : labels) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!isAlnum(c) && c != '-') return false;
    }
  }
  return !allDigits(labels.back());  // 1.2.3 or 999.1.1.1 are not names
}

Result<void> parseUser(std::string_view user, HostUri& out) {
  if (user.empty()) return refuse("empty user before '@'");
  if (user.find(':') != std::string_view::npos) return refuse("a password in the URI is refused");
  if (user.size() > 32 || user.front() == '-') return refuse("user is not a valid user name");
  for (char c : user) {
    if (!isAlnum(c) && c != '.' && c != '_' && c != '-') {
      return refuse("user is not a valid user name");
    }
  }
  out.user = std::string(user);
  return {};
}

Result<void> parsePort(std::string_view port, HostUri& out) {
  if (!allDigits(port) || port.size() > 5 || port[0] == '0') {
    return refuse("port must be 1-65535");
  }
  int value = std::stoi(std::string(port));
  if (value > 65535) return refuse("port must be 1-65535");
  out.port = value;
  return {};
}

// [user@]host[:port] for the remote transports.
Result<void> parseAuthority(std::string_view authority, HostUri& out) {
  if (authority.empty()) return refuse("a host is required");
  auto at = authority.rfind('@');
  if (at != std::string_view::npos) {
    if (out.transport != HostTransport::Ssh) return refuse("a user is only accepted for qemu+ssh");
    if (auto r = parseUser(authority.substr(0, at), out); !r) return r;
    authority = authority.substr(at + 1);
  }
  if (authority.starts_with('[')) return refuse("IPv6 literals are not accepted; use a name");
  auto colon = authority.find(':');
  std::string_view host = authority.substr(0, colon);
  if (colon != std::string_view::npos) {
    if (auto r = parsePort(authority.substr(colon + 1), out); !r) return r;
  }
  if (!isIpv4(host) && !isRfc1123Hostname(host)) {
    return refuse("host must be a DNS name (RFC 1123) or an IPv4 address");
  }
  out.host = std::string(host);
  return {};
}

bool strictlyBelow(std::string_view path, std::string_view dir) {
  if (dir == "/") return path.size() > 1;
  return path.size() > dir.size() + 1 && path.starts_with(dir) && path[dir.size()] == '/';
}

Result<std::string> parsePathBelow(std::string_view path, const std::string& dir,
                                   const std::string& what) {
  for (char c : path) {
    if (!isPathChar(c)) return refuse(what + " has a character outside [A-Za-z0-9._~/-]");
  }
  if (!isNormalisedAbsolutePath(path)) {
    return refuse(what + " must be an absolute path without '.', '..' or empty segments");
  }
  if (!strictlyBelow(path, dir)) return refuse(what + " must lie below " + dir);
  return std::string(path);
}

// Only qemu+unix takes a parameter (socket=), once.
Result<void> parseQuery(std::string_view query, const HostUriPolicy& policy, HostUri& out) {
  std::optional<std::string_view> socket;
  for (auto param : query.empty() ? std::vector<std::string_view>{} : split(query, '&')) {
    if (param.empty()) return refuse("empty query parameter");
    auto eq = param.find('=');
    std::string_view name = param.substr(0, eq);
    if (name != "socket" || out.transport != HostTransport::Unix) {
      return refuse("query parameter '" + std::string(name) + "' is not accepted");
    }
    if (socket) return refuse("query parameter 'socket' is given twice");
    if (eq == std::string_view::npos) return refuse("query parameter 'socket' needs a value");
    socket = param.substr(eq + 1);
  }
  if (out.transport != HostTransport::Unix) return {};
  if (!socket) return refuse("qemu+unix needs ?socket=PATH");
  auto path = parsePathBelow(*socket, policy.socketDir, "socket");
  if (!path) return fail(path.error());
  out.socket = std::move(*path);
  return {};
}

Result<HostTransport> transportOf(std::string_view scheme) {
  if (scheme == "qemu") return HostTransport::Local;
  if (scheme == "qemu+unix") return HostTransport::Unix;
  if (scheme == "qemu+ssh") return HostTransport::Ssh;
  if (scheme == "qemu+tls") return HostTransport::Tls;
  if (scheme == "test") return HostTransport::Test;
  return refuse("transport '" + std::string(scheme) +
                "' is not accepted (qemu, qemu+unix, qemu+ssh, qemu+tls only)");
}

std::string percentEncode(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (isPathChar(c)) {
      out += c;
    } else {
      std::array<char, 4> hex{};
      std::snprintf(hex.data(), hex.size(), "%%%02X", static_cast<unsigned char>(c));
      out += hex.data();
    }
  }
  return out;
}

void appendParam(std::string& uri, bool& first, const char* name, const std::string& value) {
  if (value.empty()) return;
  uri += first ? '?' : '&';
  uri += name;
  uri += '=';
  uri += percentEncode(value);
  first = false;
}

}  // namespace

bool isNormalisedAbsolutePath(std::string_view path) {
  if (path.size() < 2 || path[0] != '/' || path.back() == '/') return false;
  for (auto segment : split(path.substr(1), '/')) {
    if (segment.empty() || segment == "." || segment == "..") return false;
  }
  return true;
}

Result<HostUri> parseHostUri(std::string_view text, const HostUriPolicy& policy) {
  if (text.size() > kMaxUriBytes) return refuse("longer than 512 bytes");
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f) {
      return refuse("control characters, spaces and non-ASCII bytes are refused");
    }
    if (c == '%') return refuse("percent-encoding is not accepted");
    if (c == '#') return refuse("a fragment is not accepted");
    if (c == ';') return refuse("';' is not accepted");
  }
  auto schemeEnd = text.find("://");
  if (schemeEnd == std::string_view::npos) return refuse("must start with TRANSPORT://");
  auto transport = transportOf(text.substr(0, schemeEnd));
  if (!transport) return fail(transport.error());
  HostUri out;
  out.transport = *transport;

  std::string_view rest = text.substr(schemeEnd + 3);
  auto question = rest.find('?');
  std::string_view query = question == std::string_view::npos ? "" : rest.substr(question + 1);
  if (question != std::string_view::npos && query.empty()) return refuse("empty query");
  rest = rest.substr(0, question);
  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);

  bool remote = out.transport == HostTransport::Ssh || out.transport == HostTransport::Tls;
  if (remote) {
    if (auto r = parseAuthority(authority, out); !r) return fail(r.error());
  } else if (!authority.empty()) {
    return refuse("a host is not accepted for a local transport (use TRANSPORT:///...)");
  }
  if (auto r = parseQuery(query, policy, out); !r) return fail(r.error());

  if (out.transport == HostTransport::Test) {
    if (policy.testHostsDir.empty()) {
      return refuse("test:/// hosts are disabled (the server runs without --allow-test-hosts)");
    }
    if (!path.ends_with(".xml")) return refuse("a test host is a .xml file");
    auto file = parsePathBelow(path, policy.testHostsDir, "test host file");
    if (!file) return fail(file.error());
    out.file = std::move(*file);
    return out;
  }
  if (path == "/session") return refuse("/session is not accepted; use /system");
  if (path != "/system") return refuse("the path must be /system");
  return out;
}

std::string buildHostUri(const HostUri& uri, const HostUriPolicy* policy) {
  std::string out;
  bool first = true;
  auto authority = [&uri] {
    std::string text = uri.user.empty() ? "" : uri.user + "@";
    text += uri.host;
    if (uri.port) text += ":" + std::to_string(*uri.port);
    return text;
  };
  switch (uri.transport) {
    case HostTransport::Local:
      return "qemu:///system";
    case HostTransport::Unix:
      out = "qemu+unix:///system";
      appendParam(out, first, "socket", uri.socket);
      return out;
    case HostTransport::Ssh:
      out = "qemu+ssh://" + authority() + "/system";
      if (policy != nullptr) {
        appendParam(out, first, "keyfile", policy->sshKeyFile);
        appendParam(out, first, "known_hosts", policy->sshKnownHostsFile);
      }
      return out;
    case HostTransport::Tls:
      out = "qemu+tls://" + authority() + "/system";
      if (policy != nullptr) appendParam(out, first, "pkipath", policy->tlsPkiDir);
      return out;
    case HostTransport::Test:
      return "test://" + percentEncode(uri.file);
  }
  return out;
}

Result<void> validateHostUriPolicy(const HostUriPolicy& policy) {
  struct Setting {
    const char* flag;
    const std::string* value;
    bool required;
  };
  for (Setting s : {Setting{"--host-socket-dir", &policy.socketDir, true},
                    Setting{"--allow-test-hosts", &policy.testHostsDir, false},
                    Setting{"--ssh-key", &policy.sshKeyFile, false},
                    Setting{"--ssh-known-hosts", &policy.sshKnownHostsFile, false},
                    Setting{"--tls-pki-dir", &policy.tlsPkiDir, false}}) {
    if (s.value->empty() && !s.required) continue;
    bool ok = *s.value == "/" || isNormalisedAbsolutePath(*s.value);
    for (char c : *s.value) ok = ok && isPathChar(c);
    if (!ok) {
      return fail(
          ErrorKind::InvalidArgument, "host_policy_invalid",
          std::string(s.flag) + ": must be an absolute, normalised path of [A-Za-z0-9._~/-]");
    }
  }
  return {};
}

}  // namespace stele::scheduler
