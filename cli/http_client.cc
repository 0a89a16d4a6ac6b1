#include "cli/http_client.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <vector>

namespace stele::cli {
namespace {

std::unexpected<Error> transportError(const std::string& message) {
  return fail(ErrorKind::Unavailable, "transport_failed", message);
}

std::string lowercase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

struct Endpoint {
  bool tls = false;
  std::string host;
  std::string port;
};

Result<Endpoint> parseServer(const std::string& url) {
  Endpoint e;
  std::string rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    e.tls = true;
    rest = url.substr(8);
  } else {
    return fail(ErrorKind::InvalidArgument, "server_invalid",
                "server must be http://HOST:PORT or https://HOST:PORT, not \"" + url + "\"");
  }
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  auto colon = rest.rfind(':');
  if (colon == std::string::npos) {
    e.host = rest;
    e.port = e.tls ? "443" : "80";
  } else {
    e.host = rest.substr(0, colon);
    e.port = rest.substr(colon + 1);
  }
  if (e.host.starts_with('[') && e.host.ends_with(']'))
    e.host = e.host.substr(1, e.host.size() - 2);
  if (e.host.empty() || e.port.empty()) {
    return fail(ErrorKind::InvalidArgument, "server_invalid", "server URL has no host or port");
  }
  return e;
}

// sendfile(2) has no MSG_NOSIGNAL: while one runs, SIGPIPE is blocked in this thread, and one
// raised by a closed peer is taken back before it is unblocked (the write fails with EPIPE).
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    wasPending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeBlocked() {
    sigset_t pending;
    sigpending(&pending);
    if (!wasPending_ && sigismember(&pending, SIGPIPE) == 1) {
      timespec none{0, 0};
      while (sigtimedwait(&pipe_, nullptr, &none) < 0 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

 private:
  sigset_t pipe_{};
  sigset_t old_{};
  bool wasPending_ = false;
};

}  // namespace

// What a request carries: bytes in memory, or a range of a file.
struct HttpClient::Body {
  std::string_view bytes;
  const FileRange* file = nullptr;
  std::int64_t size() const {
    return file != nullptr ? file->length : static_cast<std::int64_t>(bytes.size());
  }
};

std::string ClientResponse::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

struct HttpClient::Connection {
  int fd = -1;
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  std::string buffer;  // bytes read past the previous response

  ~Connection() {
    if (ssl != nullptr) SSL_free(ssl);
    if (ctx != nullptr) SSL_CTX_free(ctx);
    if (fd >= 0) ::close(fd);
  }

  bool writeAll(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ssl != nullptr ? SSL_write(ssl, data.data(), static_cast<int>(data.size()))
                                 : ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) {
        if (ssl == nullptr && n < 0 && errno == EINTR) continue;
        return false;
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  bool sendFile(const FileRange& range) {
    std::int64_t left = range.length;
    auto at = static_cast<off_t>(range.offset);
    if (ssl == nullptr) {
      SigpipeBlocked quiet;
      while (left > 0) {
        ssize_t n = ::sendfile(
            fd, range.fd, &at,
            static_cast<std::size_t>(std::min<std::int64_t>(left, std::int64_t{1} << 30)));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;  // 0: the file ended early
        left -= n;
      }
      return true;
    }
    std::vector<char> piece(
        static_cast<std::size_t>(std::min<std::int64_t>(left, std::int64_t{1} << 20)));
    while (left > 0) {
      auto want = static_cast<std::size_t>(
          std::min<std::int64_t>(left, static_cast<std::int64_t>(piece.size())));
      ssize_t n = ::pread(range.fd, piece.data(), want, at);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0 || !writeAll(std::string_view(piece.data(), static_cast<std::size_t>(n))))
        return false;
      at += n;
      left -= n;
    }
    return true;
  }

  // Appends what arrives to `buffer`; false at end of stream or error.
  bool readMore() {
    char chunk[65536];
    ssize_t n =
        ssl != nullptr ? SSL_read(ssl, chunk, sizeof chunk) : ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && ssl == nullptr && errno == EINTR) return readMore();
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
};

HttpClient::HttpClient(ClientOptions options) : options_(std::move(options)) {}
HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

Result<void> HttpClient::connect() {
  connection_.reset();
  auto endpoint = parseServer(options_.server);
  if (!endpoint) return fail(endpoint.error());
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(endpoint->host.c_str(), endpoint->port.c_str(), &hints, &found);
      rc != 0) {
    return transportError("cannot resolve " + endpoint->host + ": " + gai_strerror(rc));
  }
  auto conn = std::make_unique<Connection>();
  std::string lastError = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    timeval tv{options_.timeoutSeconds, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;  // headers and body go out as separate writes: never wait for delayed ACKs
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      conn->fd = fd;
      break;
    }
    lastError = std::strerror(errno);
    ::close(fd);
  }
  freeaddrinfo(found);
  if (conn->fd < 0) {
    return transportError("cannot connect to " + options_.server + ": " + lastError);
  }
  if (endpoint->tls) {
    conn->ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(conn->ctx, TLS1_2_VERSION);
    SSL_CTX_set_default_verify_paths(conn->ctx);
    if (!options_.caFile.empty() &&
        SSL_CTX_load_verify_locations(conn->ctx, options_.caFile.c_str(), nullptr) != 1) {
      return transportError("cannot load CA file " + options_.caFile);
    }
    SSL_CTX_set_verify(conn->ctx, SSL_VERIFY_PEER, nullptr);
    conn->ssl = SSL_new(conn->ctx);
    SSL_set_fd(conn->ssl, conn->fd);
    SSL_set_tlsext_host_name(conn->ssl, endpoint->host.c_str());
    SSL_set1_host(conn->ssl, endpoint->host.c_str());
    if (SSL_connect(conn->ssl) != 1) {
      char reason[256];
      ERR_error_string_n(ERR_get_error(), reason, sizeof reason);
      return transportError("TLS handshake with " + options_.server + " failed: " + reason);
    }
  }
  connection_ = std::move(conn);
  return {};
}

Result<ClientResponse> HttpClient::request(
    std::string_view method, std::string_view path, std::string_view body,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  return send(method, path, Body{body}, headers);
}

Result<ClientResponse> HttpClient::request(
    std::string_view method, std::string_view path, const FileRange& body,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  return send(method, path, Body{{}, &body}, headers);
}

Result<ClientResponse> HttpClient::send(
    std::string_view method, std::string_view path, const Body& body,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  for (int round = 0; round < 2; ++round) {
    bool reused = connection_ != nullptr;
    if (!connection_) {
      if (auto r = connect(); !r) return fail(r.error());
    }
    bool sentNothing = false;
    auto response = attempt(method, path, body, headers, sentNothing);
    if (response || !reused || !sentNothing) return response;
    connection_.reset();  // the server had closed the idle connection: try a fresh one
  }
  return transportError("connection lost");
}

Result<ClientResponse> HttpClient::attempt(
    std::string_view method, std::string_view path, const Body& body,
    const std::vector<std::pair<std::string, std::string>>& headers, bool& sentNothing) {
  Connection& c = *connection_;
  std::string head;
  head.reserve(512);
  head.append(method).append(" ").append(path).append(
      " HTTP/1.1\r\nHost: stele\r\nConnection: keep-alive\r\n");
  if (!options_.token.empty()) head += "Authorization: Bearer " + options_.token + "\r\n";
  bool hasContentType = false;
  for (const auto& [name, value] : headers) {
    head += name;
    head += ": ";
    head += value;
    head += "\r\n";
    hasContentType = hasContentType || lowercase(name) == "content-type";
  }
  if (body.size() > 0 && !hasContentType) head += "Content-Type: application/json\r\n";
  head += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  if (!c.writeAll(head)) {
    sentNothing = true;
    connection_.reset();
    return transportError("cannot send to " + options_.server);
  }
  bool sent = body.file != nullptr ? c.sendFile(*body.file) : c.writeAll(body.bytes);
  if (!sent) {
    connection_.reset();
    return transportError("connection closed while sending the body to " + options_.server);
  }
  std::size_t end;
  while ((end = c.buffer.find("\r\n\r\n")) == std::string::npos) {
    if (!c.readMore()) {
      sentNothing = c.buffer.empty();
      connection_.reset();
      return transportError("no response from " + options_.server);
    }
  }
  ClientResponse response;
  std::string headText = c.buffer.substr(0, end);
  c.buffer.erase(0, end + 4);
  std::size_t lineEnd = headText.find("\r\n");
  std::string statusLine = headText.substr(0, lineEnd);
  if (statusLine.size() < 12 || !statusLine.starts_with("HTTP/1.")) {
    connection_.reset();
    return transportError("malformed response from " + options_.server);
  }
  response.status = std::atoi(statusLine.c_str() + 9);
  std::size_t pos = lineEnd == std::string::npos ? headText.size() : lineEnd + 2;
  while (pos < headText.size()) {
    std::size_t next = headText.find("\r\n", pos);
    if (next == std::string::npos) next = headText.size();
    std::string line = headText.substr(pos, next - pos);
    if (auto colon = line.find(':'); colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      response.headers[lowercase(line.substr(0, colon))] = value;
    }
    pos = next + 2;
  }
  bool closeAfter = lowercase(response.header("connection")) == "close";
  if (method != "HEAD" && response.status != 204 && response.status != 304) {
    std::string length = response.header("content-length");
    if (!length.empty()) {
      auto want = static_cast<std::size_t>(std::stoull(length));
      while (c.buffer.size() < want) {
        if (!c.readMore()) {
          connection_.reset();
          return transportError("response body cut short by " + options_.server);
        }
      }
      response.body = c.buffer.substr(0, want);
      c.buffer.erase(0, want);
    } else {
      while (c.readMore()) {
      }
      response.body = std::move(c.buffer);
      closeAfter = true;
    }
  }
  if (closeAfter) connection_.reset();
  return response;
}

Error responseError(const ClientResponse& response) {
  auto parsed = nlohmann::json::parse(response.body, nullptr, false);
  if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_object()) {
    const auto& e = parsed["error"];
    return Error{ErrorKind::Internal, e.value("code", "error"),
                 e.value("message", "") + " (HTTP " + std::to_string(response.status) + ")"};
  }
  std::string text = response.body.substr(0, 200);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return Error{ErrorKind::Internal, "http_" + std::to_string(response.status),
               "HTTP " + std::to_string(response.status) + (text.empty() ? "" : ": " + text)};
}

}  // namespace stele::cli
