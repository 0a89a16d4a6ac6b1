// `stele get instances [ID] [--deployment NAME] [-o json]` and `stele logs INSTANCE [--bytes N]`.
#include <chrono>
#include <cstdio>

#include "cli/age_format.h"
#include "cli/client_context.h"
#include "cli/commands.h"

namespace stele::cli {
namespace {

using nlohmann::json;

std::string addressesText(const json& addresses) {
  std::string out;
  if (addresses.is_object()) {
    for (const auto& [network, address] : addresses.items()) {
      out += (out.empty() ? "" : ",") + network + "=" +
             (address.is_string() ? address.get<std::string>() : address.dump());
    }
  }
  return out.empty() ? "-" : out;
}

std::string ageOf(const json& instance, std::int64_t nowSeconds) {
  const json& created = instance.value("createdAt", json());
  if (!created.is_string()) return "-";
  auto at = parseServerTime(created.get<std::string>());
  return at ? formatAge(nowSeconds - *at) : "-";
}

std::vector<std::string> instanceRow(const json& i, std::int64_t nowSeconds) {
  return {fieldText(i, "id"),       fieldText(i, "deployment"),
          fieldText(i, "ordinal"),  fieldText(i, "host"),
          fieldText(i, "state"),    addressesText(i.value("addresses", json())),
          fieldText(i, "restarts"), ageOf(i, nowSeconds)};
}

const std::vector<std::string> kInstanceHeader = {"ID",    "DEPLOYMENT", "ORDINAL",  "HOST",
                                                  "STATE", "ADDRESSES",  "RESTARTS", "AGE"};

std::int64_t nowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void printInstanceDetail(const json& i) {
  const json& image = i.value("image", json::object());
  std::printf("revision: %s  image: %s %s\n", fieldText(i, "revision").c_str(),
              fieldText(image, "version").c_str(), fieldText(image, "digest").c_str());
  if (std::string reason = fieldText(i, "reason"); !reason.empty() && reason != "-") {
    std::printf("reason: %s\n", reason.c_str());
  }
  if (i.contains("lastProbe") && !i["lastProbe"].is_null()) {
    std::printf("last probe: %s\n", i["lastProbe"].dump().c_str());
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& h : i.value("history", json::array())) {
    rows.push_back({fieldText(h, "time"), fieldText(h, "state"), fieldText(h, "reason")});
  }
  if (!rows.empty()) {
    std::puts("");
    printTable({"TIME", "STATE", "REASON"}, rows);
  }
}

}  // namespace

int getInstances(HttpClient& client, const Args& args) {
  const auto& pos = args.positionals();
  bool one = pos.size() == 2;
  std::string path = "/v1/instances";
  if (one) {
    path += "/" + urlSegment(pos[1]);
  } else if (auto deployment = args.value("deployment")) {
    path += "?deployment=" + urlSegment(*deployment);
  }
  auto answer = callJson(client, "GET", path);
  if (!answer) return reportError(answer.error());
  if (args.valueOr("o", "") == "json") {
    std::puts((one ? *answer : (*answer)["items"]).dump(2).c_str());
    return 0;
  }
  std::int64_t now = nowSeconds();
  std::vector<std::vector<std::string>> rows;
  if (one) {
    rows.push_back(instanceRow(*answer, now));
  } else {
    for (const auto& item : (*answer)["items"]) rows.push_back(instanceRow(item, now));
  }
  printTable(kInstanceHeader, rows);
  if (one) printInstanceDetail(*answer);
  return 0;
}

int runLogs(const Argv& argv) {
  auto args = Args::parse(argv, clientFlags({"bytes"}));
  if (!args) return reportError(args.error());
  const auto& pos = args->positionals();
  if (pos.size() != 1) {
    return reportError(
        {ErrorKind::InvalidArgument, "usage", "usage: stele logs INSTANCE [--bytes N]"});
  }
  std::string path = "/v1/instances/" + urlSegment(pos[0]) + "/console";
  if (auto bytes = args->value("bytes")) path += "?bytes=" + urlSegment(*bytes);
  HttpClient client = makeClient(*args);
  auto response = client.request("GET", path);
  if (!response) return reportError(response.error());
  if (response->status >= 400) return reportError(responseError(*response));
  std::fwrite(response->body.data(), 1, response->body.size(), stdout);
  if (!response->body.empty() && response->body.back() != '\n') std::fputc('\n', stdout);
  return 0;
}

}  // namespace stele::cli
