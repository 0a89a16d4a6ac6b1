#include "tests/support/registry_client.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

#include "common/sha256.h"

namespace stele::testing {

nlohmann::json jsonOf(const cli::ClientResponse& response) {
  return nlohmann::json::parse(response.body, nullptr, false);
}

cli::ClientResponse answerOf(const Result<cli::ClientResponse>& response) {
  if (response) return *response;
  ADD_FAILURE() << "no answer: " << response.error().message;
  return cli::ClientResponse{};
}

std::string errorCode(const cli::ClientResponse& response) {
  auto j = jsonOf(response);
  if (j.is_object() && j.contains("error")) return j["error"].value("code", "");
  return "";
}

int addKey(cli::HttpClient& admin, const TestKey& key, const std::string& names,
           const std::optional<std::string>& notBefore,
           const std::optional<std::string>& notAfter) {
  nlohmann::json body = {{"publicKey", key.publicPem}, {"names", {names}}};
  if (notBefore) body["notBefore"] = *notBefore;
  if (notAfter) body["notAfter"] = *notAfter;
  auto r = admin.request("POST", "/v1/keys", body.dump());
  if (!r) throw std::runtime_error(r.error().message);
  return r->status;
}

std::string uploadBlob(cli::HttpClient& client, const std::string& bytes, const std::string& kind) {
  auto start = client.request("POST", "/v1/blobs/uploads?kind=" + kind);
  if (!start || start->status != 202) throw std::runtime_error("upload start failed");
  std::string location = start->header("location");
  auto chunk = client.request("PATCH", location, bytes,
                              {{"Content-Range", "0-" + std::to_string(bytes.size() - 1)}});
  if (!chunk) throw std::runtime_error("chunk failed: " + chunk.error().message);
  if (chunk->status != 202) throw std::runtime_error("chunk failed: " + chunk->body);
  std::string digest = digestString(sha256(bytes));
  auto commit = client.request("PUT", location + "?digest=" + digest);
  if (!commit) throw std::runtime_error("commit failed: " + commit.error().message);
  if (commit->status != 201) throw std::runtime_error("commit failed: " + commit->body);
  return digest;
}

cli::ClientResponse putManifest(cli::HttpClient& client, const std::string& name,
                                const std::string& version, const std::string& envelope) {
  auto r = client.request("PUT", "/v1/images/" + name + "/versions/" + version, envelope);
  if (!r) throw std::runtime_error(r.error().message);
  return *r;
}

std::string createToken(cli::HttpClient& admin, const std::string& role, const std::string& names) {
  nlohmann::json body = {{"role", role}, {"names", {names}}};
  auto r = admin.request("POST", "/v1/tokens", body.dump());
  if (!r || r->status != 201) throw std::runtime_error("token create failed");
  return jsonOf(*r)["token"].get<std::string>();
}

std::string rawExchange(int port, const std::string& bytes, int timeoutMs) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "";
  }
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  std::string out;
  pollfd p{fd, POLLIN, 0};
  char buffer[4096];
  while (::poll(&p, 1, timeoutMs) > 0) {
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace stele::testing
