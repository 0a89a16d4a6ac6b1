// `stele rollout status|history|undo|pause|resume|promote|restart NAME`.
//
// `status` follows the current revision's rollout live: it reads GET .../rollout, then waits
// on GET /v1/events/stream?deployment=NAME (Server-Sent Events) for the next change, and
// reads again. A bar on a TTY, plain lines otherwise. Exit 0 when the rollout completes, 1 when
// it failed or was rolled back (with the reason and the console tail of a failing instance),
// 2 on --timeout: the deploy-and-wait step of a CI pipeline (docs/ci.md).
#include <unistd.h>

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
using Clock = std::chrono::steady_clock;

constexpr const char* kUsage =
    "usage: stele rollout status NAME [--timeout 10m] | history NAME [-o json] | "
    "undo NAME [--to-revision N] | pause NAME | resume NAME | promote NAME | restart NAME";

// "90s", "10m", "1h", "500ms", or plain seconds.
Result<std::chrono::milliseconds> parseDuration(const std::string& text) {
  char* end = nullptr;
  long long n = std::strtoll(text.c_str(), &end, 10);
  std::string unit = end;
  long long ms = unit == "ms"                  ? n
                 : unit == "s" || unit.empty() ? n * 1000
                 : unit == "m"                 ? n * 60'000
                 : unit == "h"                 ? n * 3'600'000
                                               : -1;
  if (text.empty() || end == text.c_str() || n < 0 || ms < 0 || n > 1'000'000) {
    return fail(ErrorKind::InvalidArgument, "usage",
                "--timeout: a duration such as 90s, 10m or 1h, not \"" + text + "\"");
  }
  return std::chrono::milliseconds(ms);
}

std::string rolloutPath(const std::string& name, const std::string& what) {
  return "/v1/deployments/" + urlSegment(name) + "/" + what;
}

// A Canary rollout's phase before its promotion, in words; "" after it.
std::string canaryNote(const json& r) {
  if (!r.contains("canary") || !r["canary"].is_object()) return "";
  const json& c = r["canary"];
  std::string phase = fieldText(c, "phase");
  if (phase == "Provisioning") return " [canary: starting " + fieldText(c, "instances") + "]";
  if (phase == "Analysis")
    return " [canary: analysis until " + fieldText(c, "analysisEndsAt") + "]";
  if (phase == "AwaitingPromotion") {
    return " [canary: waiting for stele rollout promote " + fieldText(r, "deployment") + "]";
  }
  return "";
}

std::string progressLine(const json& r) {
  return "revision " + fieldText(r, "revision") + " (" + fieldText(r["image"], "version") +
         "): " + fieldText(r, "updated") + "/" + fieldText(r, "replicas") + " updated, " +
         fieldText(r, "available") + " available, " + fieldText(r, "old") + " old left" +
         canaryNote(r) +
         (r.value("paused", false) ? " [paused: " + fieldText(r, "pausedReason") + "]" : "");
}

void showProgress(const json& r, bool tty, std::string& last) {
  std::string line = progressLine(r);
  if (line == last) return;
  last = line;
  if (!tty) {
    std::printf("%s\n", line.c_str());
  } else {
    int replicas = std::max(1, r.value("replicas", 1));
    int done = std::min(replicas, r.value("available", 0));
    std::string bar(static_cast<std::size_t>(20 * done / replicas), '#');
    bar.resize(20, '.');
    std::printf("\r\033[K[%s] %s", bar.c_str(), line.c_str());
  }
  std::fflush(stdout);
}

// The reason a revision's rollout ended, from its history entry.
std::string outcomeOf(HttpClient& client, const std::string& name, std::int64_t revision) {
  auto history = callJson(client, "GET", rolloutPath(name, "revisions"));
  if (!history) return "";
  for (const auto& r : (*history)["items"]) {
    if (r.value("revision", 0) == revision) return fieldText(r, "reason");
  }
  return "";
}

// The last console lines of an instance of `revision` that is not available, if one is left.
void printFailingConsole(HttpClient& client, const std::string& name, std::int64_t revision) {
  auto instances = callJson(client, "GET", "/v1/instances?deployment=" + urlSegment(name));
  if (!instances) return;
  for (const auto& i : (*instances)["items"]) {
    if (i.value("revision", 0) != revision || i.value("state", "") == "Available") continue;
    auto console = client.request(
        "GET", "/v1/instances/" + urlSegment(fieldText(i, "id")) + "/console?bytes=2048");
    if (!console || console->status != 200 || console->body.empty()) continue;
    std::fprintf(stderr, "console of %s (%s):\n%s\n", fieldText(i, "id").c_str(),
                 fieldText(i, "state").c_str(), console->body.c_str());
    return;
  }
}

int followStatus(HttpClient& client, const std::string& name, std::chrono::milliseconds timeout) {
  const bool tty = ::isatty(STDOUT_FILENO) != 0;
  const auto deadline = Clock::now() + timeout;
  auto first = callJson(client, "GET", rolloutPath(name, "rollout"));
  if (!first) return reportError(first.error());
  std::int64_t watched = (*first)["revision"];
  std::string last;
  std::string lastEventId;
  for (;;) {
    auto r = callJson(client, "GET", rolloutPath(name, "rollout"));
    if (!r) return reportError(r.error());
    std::int64_t revision = (*r)["revision"];
    if (tty && !last.empty() && revision != watched) std::puts("");
    if (revision != watched && r->value("rollbackOf", 0) == watched) {
      std::printf("rollout of revision %lld failed: %s\n", static_cast<long long>(watched),
                  outcomeOf(client, name, watched).c_str());
      std::printf("rolled back to revision %lld\n", static_cast<long long>(revision));
      printFailingConsole(client, name, watched);
      return 1;
    }
    if (revision != watched) {
      std::printf("revision %lld was applied meanwhile: following it\n",
                  static_cast<long long>(revision));
      watched = revision;
    }
    showProgress(*r, tty, last);
    std::string phase = fieldText(*r, "state");
    if (phase == "Complete") {
      std::printf("%srollout of revision %lld complete\n", tty ? "\n" : "",
                  static_cast<long long>(watched));
      return 0;
    }
    if (phase == "Failed") {
      std::printf("%srollout of revision %lld failed: %s\n", tty ? "\n" : "",
                  static_cast<long long>(watched), fieldText(*r, "reason").c_str());
      printFailingConsole(client, name, watched);
      return 1;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      std::printf("%stimed out after %lld s: %s\n", tty ? "\n" : "",
                  static_cast<long long>(timeout.count() / 1000), progressLine(*r).c_str());
      return 2;
    }
    std::vector<std::pair<std::string, std::string>> headers;
    if (!lastEventId.empty()) headers.push_back({"Last-Event-ID", lastEventId});
    long long waitMs = std::min<long long>(left.count(), 10'000);
    auto news = client.request(
        "GET",
        "/v1/events/stream?deployment=" + urlSegment(name) + "&waitMs=" + std::to_string(waitMs),
        "", headers);
    if (news && news->status == 200) {
      StreamChunk chunk = parseStream(news->body);
      if (!chunk.lastId.empty()) lastEventId = chunk.lastId;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }
}

int printHistory(HttpClient& client, const std::string& name, bool asJson) {
  auto history = callJson(client, "GET", rolloutPath(name, "revisions"));
  if (!history) return reportError(history.error());
  if (asJson) {
    std::puts((*history)["items"].dump(2).c_str());
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : (*history)["items"]) {
    std::string revision = fieldText(r, "revision") + (r.value("current", false) ? "*" : "");
    std::string cause = fieldText(r, "changeCause");
    if (r.value("rollbackOf", 0) > 0) cause = "rollback of " + fieldText(r, "rollbackOf");
    rows.push_back({revision, fieldText(r["image"], "version"), fieldText(r, "outcome"),
                    fieldText(r, "createdAt"), fieldText(r, "appliedBy"), cause,
                    fieldText(r, "reason")});
  }
  printTable({"REVISION", "IMAGE", "OUTCOME", "SINCE", "BY", "CAUSE", "REASON"}, rows);
  return 0;
}

int control(HttpClient& client, const std::string& name, const std::string& action,
            const std::string& query) {
  auto r = callJson(client, "POST", rolloutPath(name, action) + query);
  if (!r) return reportError(r.error());
  std::printf("%s: %s\n", action.c_str(), progressLine(*r).c_str());
  return 0;
}

}  // namespace

int runRollout(const Argv& argv) {
  auto args = Args::parse(argv, clientFlags({"timeout", "to-revision", "o"}));
  if (!args) return reportError(args.error());
  const auto& pos = args->positionals();
  if (pos.size() != 2) return reportError({ErrorKind::InvalidArgument, "usage", kUsage});
  const std::string& verb = pos[0];
  const std::string& name = pos[1];
  HttpClient client = makeClient(*args);
  if (verb == "status") {
    auto timeout = parseDuration(args->valueOr("timeout", "10m"));
    if (!timeout) return reportError(timeout.error());
    return followStatus(client, name, *timeout);
  }
  if (verb == "history") return printHistory(client, name, args->valueOr("o", "") == "json");
  if (verb == "pause" || verb == "resume" || verb == "promote" || verb == "restart") {
    return control(client, name, verb, "");
  }
  if (verb == "undo") {
    std::string query;
    if (auto to = args->value("to-revision")) query = "?toRevision=" + urlSegment(*to);
    return control(client, name, verb, query);
  }
  return reportError({ErrorKind::InvalidArgument, "usage", kUsage});
}

}  // namespace stele::cli
