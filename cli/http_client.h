// A small blocking HTTP/1.1 client (plain or TLS) that keeps its connection alive.
// Used by the CLI, the API tests and the benchmarks.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace stele::cli {

struct ClientResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;

  std::string header(const std::string& lowercaseName) const;
};

struct ClientOptions {
  std::string server = "http://127.0.0.1:7070";  // http://HOST:PORT or https://HOST:PORT
  std::string token;
  std::string caFile;  // extra trust anchor for https
  int timeoutSeconds = 120;
};

// A request body taken from an open file, `length` bytes from `offset`, never held whole in
// memory: sendfile(2) on plain TCP, pieces of 1 MiB through TLS.
struct FileRange {
  int fd = -1;
  std::int64_t offset = 0;
  std::int64_t length = 0;
};

class HttpClient {
 public:
  explicit HttpClient(ClientOptions options);
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;

  // Sends one request; reconnects once if the kept-alive connection had been closed.
  // Transport failures are Unavailable errors; any HTTP status is a response.
  Result<ClientResponse> request(
      std::string_view method, std::string_view path, std::string_view body = {},
      const std::vector<std::pair<std::string, std::string>>& headers = {});
  // The same with the body sent from a file. A body shorter than `length` (the file shrank) is
  // a transport failure.
  Result<ClientResponse> request(
      std::string_view method, std::string_view path, const FileRange& body,
      const std::vector<std::pair<std::string, std::string>>& headers = {});

  const ClientOptions& options() const { return options_; }

 private:
  struct Connection;
  struct Body;
  Result<void> connect();
  Result<ClientResponse> send(std::string_view method, std::string_view path, const Body& body,
                              const std::vector<std::pair<std::string, std::string>>& headers);
  Result<ClientResponse> attempt(std::string_view method, std::string_view path, const Body& body,
                                 const std::vector<std::pair<std::string, std::string>>& headers,
                                 bool& sentNothing);
  ClientOptions options_;
  std::unique_ptr<Connection> connection_;
};

// Turns an error response ({"error": {"code", "message"}}) into an Error; other bodies are
// quoted as they are.
Error responseError(const ClientResponse& response);

}  // namespace stele::cli
