// `stele get events [--deployment NAME] [--instance ID] [-w] [-o json]`.
//
// Without -w: the events so far (oldest first, as GET /v1/events returns them). With -w: the
// same, then every new one as it happens, from GET /v1/events/stream. That route answers what
// is new after Last-Event-ID (waiting a while for it) and ends, so this loop reconnects with the
// last id it printed until interrupted; a lost server is retried after the server's `retry:`.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "cli/client_context.h"
#include "cli/commands.h"
#include "cli/event_stream.h"

namespace stele::cli {
namespace {

using nlohmann::json;

const std::vector<std::string> kEventHeader = {"TIME", "TYPE", "REASON", "OBJECT", "MESSAGE"};
// Column widths of the -w output, which cannot measure rows it has not seen yet.
const std::vector<std::size_t> kWatchWidths = {24, 7, 18, 28, 0};

std::vector<std::string> eventRow(const json& e) {
  return {fieldText(e, "time"), fieldText(e, "type"), fieldText(e, "reason"),
          lowercase(fieldText(e, "kind")) + "/" + fieldText(e, "name"), fieldText(e, "message")};
}

void printWatchLine(const std::vector<std::string>& cells) {
  std::string line;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    line += cells[i];
    if (i + 1 < cells.size()) {
      line += std::string(cells[i].size() < kWatchWidths[i] ? kWatchWidths[i] - cells[i].size() : 0,
                          ' ');
      line += "  ";
    }
  }
  std::puts(line.c_str());
}

std::string filterQuery(const Args& args) {
  std::string query;
  for (const char* name : {"deployment", "instance"}) {
    if (auto v = args.value(name))
      query += std::string(query.empty() ? "?" : "&") + name + "=" + urlSegment(*v);
  }
  return query;
}

int watchEvents(HttpClient& client, const Args& args, bool asJson) {
  std::string path = "/v1/events/stream" + filterQuery(args);
  std::string lastId;
  bool lost = false;
  if (!asJson) printWatchLine(kEventHeader);
  std::fflush(stdout);
  for (;;) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!lastId.empty()) headers.push_back({"Last-Event-ID", lastId});
    auto began = std::chrono::steady_clock::now();
    auto response = client.request("GET", path, "", headers);
    if (!response) {
      if (!lost)
        std::fprintf(stderr, "stele: %s; reconnecting\n", response.error().message.c_str());
      lost = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      continue;
    }
    if (response->status >= 400) return reportError(responseError(*response));
    lost = false;
    StreamChunk chunk = parseStream(response->body);
    for (const auto& e : chunk.events) {
      if (asJson) {
        std::puts(e.dump().c_str());
      } else {
        printWatchLine(eventRow(e));
      }
    }
    std::fflush(stdout);
    if (!chunk.lastId.empty()) lastId = chunk.lastId;
    // The server waits for news before it answers; one that answered empty at once is asking
    // to be left alone for `retry` ms.
    if (chunk.events.empty() &&
        std::chrono::steady_clock::now() - began < std::chrono::milliseconds(100)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(chunk.retryMs));
    }
  }
}

}  // namespace

int getEvents(HttpClient& client, const Args& args) {
  if (args.positionals().size() != 1) {
    return reportError(
        {ErrorKind::InvalidArgument, "usage",
         "usage: stele get events [--deployment NAME] [--instance ID] [-w] [-o json]"});
  }
  bool asJson = args.valueOr("o", "") == "json";
  if (args.has("w") || args.has("watch")) return watchEvents(client, args, asJson);
  auto answer = callJson(client, "GET", "/v1/events" + filterQuery(args));
  if (!answer) return reportError(answer.error());
  if (asJson) {
    std::puts((*answer)["items"].dump(2).c_str());
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : (*answer)["items"]) rows.push_back(eventRow(e));
  printTable(kEventHeader, rows);
  return 0;
}

}  // namespace stele::cli
