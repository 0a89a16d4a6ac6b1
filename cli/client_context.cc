#include "cli/client_context.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>

namespace stele::cli {

std::set<std::string> clientFlags(std::set<std::string> own) {
  own.insert({"server", "token", "cacert"});
  return own;
}

HttpClient makeClient(const Args& args) {
  auto fromEnv = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v != nullptr ? v : "");
  };
  ClientOptions options;
  options.server = args.valueOr("server", fromEnv("STELE_SERVER"));
  if (options.server.empty()) options.server = "http://127.0.0.1:7070";
  options.token = args.valueOr("token", fromEnv("STELE_TOKEN"));
  options.caFile = args.valueOr("cacert", fromEnv("STELE_CACERT"));
  while (!options.token.empty() && std::isspace(static_cast<unsigned char>(options.token.back()))) {
    options.token.pop_back();
  }
  return HttpClient(options);
}

Result<nlohmann::json> callJson(HttpClient& client, const std::string& method,
                                const std::string& path, const std::string& body) {
  auto response = client.request(method, path, body);
  if (!response) return fail(response.error());
  if (response->status >= 400) return fail(responseError(*response));
  if (response->body.empty()) return nlohmann::json::object();
  auto parsed = nlohmann::json::parse(response->body, nullptr, false);
  if (parsed.is_discarded()) {
    return fail(ErrorKind::Internal, "bad_response", "the server answered with invalid JSON");
  }
  return parsed;
}

int reportError(const Error& error) {
  std::fprintf(stderr, "stele: %s\n", error.message.c_str());
  return error.code == "usage" ? 2 : 1;
}

void printTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) widths[i] = header[i].size();
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  auto print = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (std::size_t i = 0; i < cells.size() && i < widths.size(); ++i) {
      line += cells[i];
      if (i + 1 < cells.size()) line += std::string(widths[i] - cells[i].size() + 2, ' ');
    }
    std::puts(line.c_str());
  };
  print(header);
  for (const auto& row : rows) print(row);
}

std::string urlSegment(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved && !(c == '.' && (text == "." || text == ".."))) {
      out.push_back(c);
    } else {
      auto u = static_cast<unsigned char>(c);
      out += {'%', kHex[u >> 4], kHex[u & 15]};
    }
  }
  return out;
}

std::string fieldText(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return "-";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::vector<std::string> splitList(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& v : values) {
    std::size_t start = 0;
    while (start <= v.size()) {
      std::size_t comma = v.find(',', start);
      if (comma == std::string::npos) comma = v.size();
      if (comma > start) out.push_back(v.substr(start, comma - start));
      start = comma + 1;
    }
  }
  return out;
}

}  // namespace stele::cli
