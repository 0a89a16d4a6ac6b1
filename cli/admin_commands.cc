// `stele keygen`, `stele key ...`, `stele token ...`: key pairs, the trust store, API tokens.
#include <cstdio>

#include "cli/client_context.h"
#include "cli/commands.h"
#include "common/time_format.h"
#include "images/ed25519.h"
#include "store/file_io.h"

namespace stele::cli {
namespace {

using nlohmann::json;

std::string orDash(const json& value) {
  return value.is_string() && !value.get<std::string>().empty() ? value.get<std::string>() : "-";
}

std::string joined(const json& list) {
  std::string out;
  for (const auto& item : list) out += (out.empty() ? "" : ",") + item.get<std::string>();
  return out;
}

int printKeys(const json& items, bool asJson) {
  if (asJson) {
    std::puts(items.dump(2).c_str());
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& k : items) {
    rows.push_back({k["id"].get<std::string>().substr(0, 16), k["state"], joined(k["names"]),
                    orDash(k["notBefore"]), orDash(k["notAfter"]), orDash(k["comment"])});
  }
  printTable({"ID", "STATE", "NAMES", "NOT-BEFORE", "NOT-AFTER", "COMMENT"}, rows);
  return 0;
}

Result<std::optional<std::string>> timeFlag(const Args& args, const std::string& flag) {
  auto text = args.value(flag);
  if (!text) return std::optional<std::string>{};
  if (!parseRfc3339(*text)) {
    return fail(ErrorKind::InvalidArgument, "usage",
                "--" + flag + " must be an RFC 3339 time like 2027-01-31T00:00:00Z");
  }
  return std::optional<std::string>(*text);
}

int keyAdd(const Args& args) {
  if (args.positionals().size() != 2) {
    return reportError({ErrorKind::InvalidArgument, "usage", "usage: stele key add NAME.pub"});
  }
  auto pem = store::readFile(args.positionals()[1]);
  if (!pem) return reportError(pem.error());
  json body = {{"publicKey", *pem},
               {"names", splitList(args.values("names"))},
               {"comment", args.valueOr("comment", "")}};
  for (const char* flag : {"not-before", "not-after"}) {
    auto t = timeFlag(args, flag);
    if (!t) return reportError(t.error());
    if (*t) body[std::string(flag) == "not-before" ? "notBefore" : "notAfter"] = **t;
  }
  HttpClient client = makeClient(args);
  auto key = callJson(client, "POST", "/v1/keys", body.dump());
  if (!key) return reportError(key.error());
  std::printf("key %s %s for names %s\n", (*key)["id"].get<std::string>().c_str(),
              (*key)["state"].get<std::string>().c_str(), joined((*key)["names"]).c_str());
  return 0;
}

}  // namespace

int runKeygen(const Argv& argv) {
  auto args = Args::parse(argv, {"out"});
  if (!args) return reportError(args.error());
  auto out = args->value("out");
  if (!out || out->empty()) {
    return reportError({ErrorKind::InvalidArgument, "usage", "usage: stele keygen --out NAME"});
  }
  auto pair = images::generateKeyPair();
  if (!pair) return reportError(pair.error());
  for (const auto& path : {*out + ".key", *out + ".pub"}) {
    if (auto exists = store::fileSize(path); exists && exists->has_value()) {
      return reportError({ErrorKind::Conflict, "exists", path + " exists; not overwriting it"});
    }
  }
  if (auto r = store::writeFileAtomically(*out + ".key", pair->privatePem, 0600); !r) {
    return reportError(r.error());
  }
  if (auto r = store::writeFileAtomically(*out + ".pub", pair->publicPem, 0644); !r) {
    return reportError(r.error());
  }
  auto raw = images::rawPublicKeyFromPem(pair->publicPem);
  std::printf("wrote %s.key (private, mode 0600) and %s.pub\nkey id %s\n", out->c_str(),
              out->c_str(), raw ? images::keyIdOf(*raw).c_str() : "?");
  return 0;
}

int runKey(const Argv& argv) {
  auto args = Args::parse(argv, clientFlags({"names", "not-before", "not-after", "comment", "o"}));
  if (!args) return reportError(args.error());
  const auto& pos = args->positionals();
  std::string verb = pos.empty() ? "" : pos[0];
  if (verb == "add") return keyAdd(*args);
  HttpClient client = makeClient(*args);
  if (verb == "list" && pos.size() == 1) {
    auto keys = callJson(client, "GET", "/v1/keys");
    if (!keys) return reportError(keys.error());
    return printKeys((*keys)["items"], args->valueOr("o", "") == "json");
  }
  if ((verb == "retire" || verb == "revoke") && pos.size() == 2) {
    auto key = callJson(client, "POST", "/v1/keys/" + urlSegment(pos[1]) + "/" + verb);
    if (!key) return reportError(key.error());
    std::printf("key %s is %s\n", (*key)["id"].get<std::string>().c_str(),
                (*key)["state"].get<std::string>().c_str());
    return 0;
  }
  return reportError({ErrorKind::InvalidArgument, "usage",
                      "usage: stele key add NAME.pub | list | retire ID | revoke ID"});
}

int runToken(const Argv& argv) {
  auto args = Args::parse(argv, clientFlags({"role", "names", "description", "o"}));
  if (!args) return reportError(args.error());
  const auto& pos = args->positionals();
  std::string verb = pos.empty() ? "" : pos[0];
  HttpClient client = makeClient(*args);
  if (verb == "create" && pos.size() == 1) {
    auto role = args->value("role");
    if (!role) return reportError({ErrorKind::InvalidArgument, "usage", "--role is required"});
    json body = {{"role", *role},
                 {"names", splitList(args->values("names"))},
                 {"description", args->valueOr("description", "")}};
    auto token = callJson(client, "POST", "/v1/tokens", body.dump());
    if (!token) return reportError(token.error());
    if (args->valueOr("o", "") == "json") {
      std::puts(token->dump(2).c_str());
    } else {
      std::puts((*token)["token"].get<std::string>().c_str());
      std::fprintf(stderr, "token %s (%s, names %s): store it now, it is not shown again\n",
                   (*token)["id"].get<std::string>().c_str(),
                   (*token)["role"].get<std::string>().c_str(), joined((*token)["names"]).c_str());
    }
    return 0;
  }
  if (verb == "list" && pos.size() == 1) {
    auto tokens = callJson(client, "GET", "/v1/tokens");
    if (!tokens) return reportError(tokens.error());
    if (args->valueOr("o", "") == "json") {
      std::puts((*tokens)["items"].dump(2).c_str());
      return 0;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : (*tokens)["items"]) {
      rows.push_back({t["id"], t["role"], joined(t["names"]), orDash(t["createdAt"]),
                      orDash(t["revokedAt"]), orDash(t["description"])});
    }
    printTable({"ID", "ROLE", "NAMES", "CREATED", "REVOKED", "DESCRIPTION"}, rows);
    return 0;
  }
  if (verb == "revoke" && pos.size() == 2) {
    auto done = callJson(client, "DELETE", "/v1/tokens/" + urlSegment(pos[1]));
    if (!done) return reportError(done.error());
    std::printf("token %s revoked\n", pos[1].c_str());
    return 0;
  }
  return reportError({ErrorKind::InvalidArgument, "usage",
                      "usage: stele token create --role ROLE [--names P] | list | revoke ID"});
}

}  // namespace stele::cli
