// Test-side helpers that speak the registry API the way a pipeline would.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cli/http_client.h"
#include "tests/support/signing.h"

namespace stele::testing {

// POST /v1/keys as admin; returns the HTTP status.
int addKey(cli::HttpClient& admin, const TestKey& key, const std::string& names = "*",
           const std::optional<std::string>& notBefore = std::nullopt,
           const std::optional<std::string>& notAfter = std::nullopt);

// Full upload (start, one chunk, commit); returns the digest. Throws on failure.
std::string uploadBlob(cli::HttpClient& client, const std::string& bytes,
                       const std::string& kind = "kernel");

// PUT the envelope for NAME:VERSION.
cli::ClientResponse putManifest(cli::HttpClient& client, const std::string& name,
                                const std::string& version, const std::string& envelope);

// A token with `role` (and name patterns), created by the admin client.
std::string createToken(cli::HttpClient& admin, const std::string& role,
                        const std::string& names = "*");

nlohmann::json jsonOf(const cli::ClientResponse& response);
// The answer itself; when none came back, a test failure naming the error and an empty
// answer (status 0, which no expected status equals), so one-line checks stay defined:
// EXPECT_EQ(answerOf(client.request("GET", "/x")).status, 200).
cli::ClientResponse answerOf(const Result<cli::ClientResponse>& response);
// The "error.code" of an error response, or "" if the body has none.
std::string errorCode(const cli::ClientResponse& response);

// Sends raw bytes to 127.0.0.1:port and returns everything read until close or timeout.
std::string rawExchange(int port, const std::string& bytes, int timeoutMs = 3000);

}  // namespace stele::testing
