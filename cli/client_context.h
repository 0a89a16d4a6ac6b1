// What client commands share: building a client from flags and environment, calling the
// API, printing errors and tables.
#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/http_client.h"

namespace stele::cli {

// Flags every client command takes, to merge into its own set.
std::set<std::string> clientFlags(std::set<std::string> own);

// --server/--token/--cacert, else STELE_SERVER/STELE_TOKEN/STELE_CACERT, else defaults.
HttpClient makeClient(const Args& args);

// Calls the API and parses the JSON answer; any status >= 400 becomes the server's error.
Result<nlohmann::json> callJson(HttpClient& client, const std::string& method,
                                const std::string& path, const std::string& body = "");

// Prints "stele: MESSAGE" to stderr and returns the exit status 1 (2 for usage errors).
int reportError(const Error& error);

void printTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows);

// Percent-encodes everything but RFC 3986 unreserved characters, so a user string can never
// change the request line (no "/", "..", spaces or CRLF reach the server raw).
std::string urlSegment(std::string_view text);

// A field of a JSON object as a table cell: strings as they are, other values as JSON, "-" when
// missing or null.
std::string fieldText(const nlohmann::json& object, const char* key);

// ASCII lowercase: "Deployment" -> "deployment", as kinds appear in "deployment/web".
std::string lowercase(std::string text);

// "--names a,b" and repeated "--names a --names b" alike.
std::vector<std::string> splitList(const std::vector<std::string>& values);

}  // namespace stele::cli
