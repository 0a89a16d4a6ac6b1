#include "tests/support/registry_client.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "common/sha256.h"
#include "tests/support/raw_connection.h"

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
  RawConnection connection(port);
  if (!connection.connected()) return "";
  connection.send(bytes);
  return connection.readUntilClosed(std::chrono::milliseconds(timeoutMs));
}

}  // namespace stele::testing
