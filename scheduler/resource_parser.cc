#include "scheduler/resource_parser.h"

#include <algorithm>
#include <set>

#include "images/naming.h"
#include "scheduler/field_reader.h"
#include "scheduler/rollout_strategy.h"

namespace stele::scheduler {
namespace {

constexpr std::int64_t kMaxMs = 24LL * 3600 * 1000;

// Names of deployments and networks: they become parts of libvirt domain and bridge names.
bool validObjectName(const std::string& name) {
  if (name.empty() || name.size() > 40) return false;
  if (!(name[0] >= 'a' && name[0] <= 'z')) return false;
  char last = 0;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok || (c == '-' && last == '-')) return false;
    last = c;
  }
  return last != '-';
}

Result<void> checkLabels(const FieldReader& reader, const std::string& key,
                         const std::map<std::string, std::string>& labels) {
  for (const auto& [name, value] : labels) {
    bool ok = !name.empty() && name.size() <= 63 && value.size() <= 63;
    for (char c : name) {
      ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '-' || c == '_' || c == '/');
    }
    for (char c : value) ok = ok && c > 0x20 && c < 0x7f;
    if (!ok) {
      return reader.error(std::string(key).append(".").append(name),
                          "label keys are 1-63 of [A-Za-z0-9._/-], values 0-63 printable "
                          "characters without spaces");
    }
  }
  return {};
}

Result<ObjectMeta> parseMeta(const FieldReader& root, DocumentRef& doc) {
  auto metadata = root.object("metadata");
  if (!metadata) return fail(metadata.error());
  if (!*metadata) return root.error("metadata", "is required");
  const FieldReader& meta = **metadata;
  if (auto r = meta.allowOnly({"name", "labels", "annotations"}); !r) return fail(r.error());
  ObjectMeta out;
  auto name = meta.requiredString("name");
  if (!name) return fail(name.error());
  out.name = *name;
  doc.name = *name;
  auto labels = meta.stringMap("labels");
  if (!labels) return fail(labels.error());
  if (auto r = checkLabels(meta, "labels", *labels); !r) return fail(r.error());
  out.labels = *labels;
  auto annotations = meta.stringMap("annotations");
  if (!annotations) return fail(annotations.error());
  for (const auto& [key, value] : *annotations) {
    if (key.empty() || key.size() > 253 || value.size() > 4096) {
      return meta.error("annotations." + key, "keys 1-253 characters, values at most 4096");
    }
  }
  out.annotations = *annotations;
  return out;
}

Result<std::uint32_t> address(const FieldReader& reader, const std::string& key,
                              const std::string& text) {
  auto parsed = parseIpv4(text);
  if (!parsed) return reader.error(key, "\"" + text.substr(0, 40) + "\" is not an IPv4 address");
  return *parsed;
}

Result<NetworkResource> parseNetwork(const FieldReader& spec, ObjectMeta meta) {
  if (auto r = spec.allowOnly({"cidr", "hostAddress", "hostSelector"}); !r) return fail(r.error());
  NetworkResource out;
  out.meta = std::move(meta);
  auto cidr = spec.requiredString("cidr");
  if (!cidr) return fail(cidr.error());
  auto prefix = parseIpv4Prefix(*cidr);
  if (!prefix || prefix->length < 8 || prefix->length > 30) {
    return spec.error("cidr",
                      "must be an IPv4 network A.B.C.D/N with N from 8 to 30 and the "
                      "host bits zero");
  }
  out.cidr = *prefix;
  auto host = spec.optionalString("hostAddress");
  if (!host) return fail(host.error());
  if (*host) {
    auto parsed = address(spec, "hostAddress", **host);
    if (!parsed) return fail(parsed.error());
    if (!out.cidr.contains(*parsed) || *parsed == out.cidr.network ||
        *parsed == out.cidr.broadcast()) {
      return spec.error("hostAddress", **host + " is not a host address in " + out.cidr.text());
    }
    out.hostAddress = *parsed;
  }
  auto selector = spec.stringMap("hostSelector");
  if (!selector) return fail(selector.error());
  out.hostSelector = *selector;
  return out;
}

Result<ImageRequest> parseImage(const FieldReader& spec) {
  auto text = spec.requiredString("image");
  if (!text) return fail(text.error());
  ImageRequest out;
  auto at = text->find('@');
  auto colon = text->find(':');
  if (at != std::string::npos) {
    out.name = text->substr(0, at);
    out.digest = text->substr(at + 1);
    bool hex = out.digest.size() == 71 && out.digest.starts_with("sha256:") &&
               std::all_of(out.digest.begin() + 7, out.digest.end(),
                           [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
    if (!hex) return spec.error("image", "digest must be sha256: and 64 lowercase hex digits");
  } else if (colon != std::string::npos) {
    out.name = text->substr(0, colon);
    out.version = text->substr(colon + 1);
    if (!images::validateVersion(out.version)) {
      return spec.error("image",
                        "version \"" + out.version.substr(0, 40) + "\" is not a semantic version");
    }
  } else {
    return spec.error("image", "must be NAME:VERSION or NAME@sha256:DIGEST");
  }
  if (!images::validateImageName(out.name)) {
    return spec.error("image", "\"" + out.name.substr(0, 64) + "\" is not a valid image name");
  }
  return out;
}

Result<InterfaceRequest> parseInterface(const FieldReader& item) {
  if (auto r = item.allowOnly({"network", "addresses", "pool"}); !r) return fail(r.error());
  InterfaceRequest out;
  auto network = item.requiredString("network");
  if (!network) return fail(network.error());
  out.network = *network;
  auto addresses = item.stringList("addresses", 4096);
  if (!addresses) return fail(addresses.error());
  std::set<std::uint32_t> seen;
  for (std::size_t i = 0; i < addresses->size(); ++i) {
    std::string key = "addresses[" + std::to_string(i) + "]";
    auto parsed = address(item, key, (*addresses)[i]);
    if (!parsed) return fail(parsed.error());
    if (!seen.insert(*parsed).second) return item.error(key, (*addresses)[i] + " is listed twice");
    out.addresses.push_back(*parsed);
  }
  auto pool = item.optionalString("pool");
  if (!pool) return fail(pool.error());
  if (*pool) {
    if (!out.addresses.empty()) return item.error("pool", "give addresses or a pool, not both");
    auto dash = (*pool)->find('-');
    auto first = dash == std::string::npos ? std::nullopt : parseIpv4((*pool)->substr(0, dash));
    auto last = dash == std::string::npos ? std::nullopt : parseIpv4((*pool)->substr(dash + 1));
    if (!first || !last || *first > *last || *last - *first >= 65536) {
      return item.error("pool", "must be FIRST-LAST, two IPv4 addresses in order, at most 65536");
    }
    out.pool = std::pair{*first, *last};
  }
  if (out.addresses.empty() && !out.pool) {
    return item.error("", "needs addresses (one per replica) or a pool");
  }
  return out;
}

Result<std::optional<health::HealthCheckSpec>> parseHealthCheck(const FieldReader& spec) {
  health::HealthCheckSpec out;
  out.periodMs = 1000;
  auto check = spec.object("healthCheck");
  if (!check) return fail(check.error());
  if (!*check) return std::optional<health::HealthCheckSpec>();
  const FieldReader& hc = **check;
  if (auto r = hc.allowOnly({"http", "tcp", "dns", "console", "initialDelayMs", "periodMs",
                             "timeoutMs", "startupTimeoutMs", "successThreshold",
                             "failureThreshold", "target", "vantage"});
      !r) {
    return fail(r.error());
  }
  int kinds = 0;
  for (const char* kind : {"http", "tcp", "dns", "console"}) kinds += hc.has(kind) ? 1 : 0;
  if (kinds != 1) return hc.error("", "give exactly one of http, tcp, dns or console");
  auto port = [](const FieldReader& r, int fallback) -> Result<int> {
    auto value = r.optionalInteger("port", 1, 65535);
    if (!value) return fail(value.error());
    return value->value_or(fallback);
  };
  if (auto http = hc.object("http"); !http) {
    return fail(http.error());
  } else if (*http) {
    if (auto r = (*http)->allowOnly({"port", "path", "expectStatus"}); !r) return fail(r.error());
    health::HttpCheck http_;
    auto p = port(**http, 80);
    if (!p) return fail(p.error());
    http_.port = *p;
    auto path = (*http)->optionalString("path");
    if (!path) return fail(path.error());
    http_.path = path->value_or("/healthz");
    bool ok = http_.path.starts_with('/') && http_.path.size() <= 256;
    for (char c : http_.path) ok = ok && c > 0x20 && c < 0x7f;
    if (!ok) return (*http)->error("path", "must start with / and be printable, at most 256");
    auto status = (*http)->optionalInteger("expectStatus", 100, 599);
    if (!status) return fail(status.error());
    http_.expectStatus = static_cast<int>(status->value_or(200));
    out.kind = http_;
  }
  if (auto tcp = hc.object("tcp"); !tcp) {
    return fail(tcp.error());
  } else if (*tcp) {
    if (auto r = (*tcp)->allowOnly({"port"}); !r) return fail(r.error());
    if (!(*tcp)->has("port")) return (*tcp)->error("port", "is required");
    auto p = port(**tcp, 0);
    if (!p) return fail(p.error());
    out.kind = health::TcpCheck{*p};
  }
  if (auto dns = hc.object("dns"); !dns) {
    return fail(dns.error());
  } else if (*dns) {
    if (auto r = (*dns)->allowOnly({"name", "type", "expect", "port"}); !r) return fail(r.error());
    health::DnsCheck dns_;
    auto name = (*dns)->requiredString("name");
    if (!name) return fail(name.error());
    dns_.name = *name;
    auto type = (*dns)->optionalString("type");
    if (!type) return fail(type.error());
    dns_.type = type->value_or("A");
    if (dns_.type != "A" && dns_.type != "AAAA" && dns_.type != "CNAME" && dns_.type != "NS" &&
        dns_.type != "SOA" && dns_.type != "TXT") {
      return (*dns)->error("type", "must be A, AAAA, CNAME, NS, SOA or TXT");
    }
    auto expect = (*dns)->optionalString("expect");
    if (!expect) return fail(expect.error());
    dns_.expect = expect->value_or("");
    auto p = port(**dns, 53);
    if (!p) return fail(p.error());
    dns_.port = *p;
    out.kind = dns_;
  }
  if (auto console = hc.object("console"); !console) {
    return fail(console.error());
  } else if (*console) {
    if (auto r = (*console)->allowOnly({"match"}); !r) return fail(r.error());
    auto match = (*console)->requiredString("match");
    if (!match) return fail(match.error());
    if (match->empty() || match->size() > 200) {
      return (*console)->error("match", "must be 1-200 characters");
    }
    out.kind = health::ConsoleCheck{*match};
  }
  struct MsField {
    const char* key;
    std::int64_t* target;
    std::int64_t min;
  };
  for (MsField f : {MsField{"initialDelayMs", &out.initialDelayMs, 0},
                    MsField{"periodMs", &out.periodMs, 10}, MsField{"timeoutMs", &out.timeoutMs, 1},
                    MsField{"startupTimeoutMs", &out.startupTimeoutMs, 0}}) {
    auto value = hc.optionalInteger(f.key, f.min, kMaxMs);
    if (!value) return fail(value.error());
    if (*value) *f.target = **value;
  }
  auto success = hc.optionalInteger("successThreshold", 1, 100);
  if (!success) return fail(success.error());
  out.successThreshold = static_cast<int>(success->value_or(1));
  auto failure = hc.optionalInteger("failureThreshold", 1, 100);
  if (!failure) return fail(failure.error());
  out.failureThreshold = static_cast<int>(failure->value_or(3));
  auto target = hc.optionalString("target");
  if (!target) return fail(target.error());
  if (*target) {
    auto parsed = address(hc, "target", **target);
    if (!parsed) return fail(parsed.error());
    out.targetAddress = formatIpv4(*parsed);
  }
  auto vantage = hc.optionalString("vantage");
  if (!vantage) return fail(vantage.error());
  if (*vantage && !vantage->value().empty()) {
    if (!validObjectName(**vantage)) {
      return hc.error("vantage", "must name a network namespace of the host (lowercase name)");
    }
    out.vantageNetns = **vantage;
  }
  return std::optional<health::HealthCheckSpec>(std::move(out));
}

Result<IntOrPercent> intOrPercent(const FieldReader& reader, const std::string& key,
                                  IntOrPercent fallback) {
  const auto* value = reader.raw(key);
  if (value == nullptr) return fallback;
  if (value->is_number_integer() && value->get<std::int64_t>() >= 0 &&
      value->get<std::int64_t>() <= 100000) {
    return IntOrPercent{value->get<std::int64_t>(), false};
  }
  if (value->is_string()) {
    std::string text = value->get<std::string>();
    if (text.size() >= 2 && text.size() <= 4 && text.back() == '%' &&
        std::all_of(text.begin(), text.end() - 1, [](char c) { return c >= '0' && c <= '9'; })) {
      std::int64_t percent = std::stoll(text.substr(0, text.size() - 1));
      if (percent <= 100) return IntOrPercent{percent, true};
    }
  }
  return reader.error(key, "must be a count >= 0 or a percentage such as \"25%\"");
}

// A surge or canary instance needs an address of its own on every interface: an explicit
// maxSurge, or canary instances, beyond the spare addresses would make a rollout that waits
// forever, so they are refused here.
Result<void> checkSpareAddresses(const FieldReader& spec, const DeploymentResource& d) {
  if (d.strategy.type == StrategyRequest::Type::Recreate) return {};
  DeploymentResource unbounded = d;
  unbounded.interfaces.clear();
  const RolloutBounds wanted = resolveRolloutBounds(unbounded);
  const int spare = spareAddresses(d);
  std::string network;
  for (const auto& nic : d.interfaces) {
    if (static_cast<int>(nic.capacity()) - d.replicas == spare) network = nic.network;
  }
  auto refuse = [&](const std::string& field, int count, const std::string& what,
                    const std::string& otherwise) -> Result<void> {
    return spec.error(field,
                      std::to_string(count) + " " + what +
                          " instance(s) need as many spare addresses on " + network +
                          ", which has " + std::to_string(spare) + " beyond the " +
                          std::to_string(d.replicas) + " replicas: add addresses, or " + otherwise,
                      ErrorKind::Unprocessable);
  };
  if (d.strategy.type == StrategyRequest::Type::Canary && wanted.canary > spare) {
    return refuse("strategy.canary.instances", wanted.canary, "canary",
                  "use RollingUpdate with maxSurge: 0 to replace in place");
  }
  if (d.strategy.maxSurge && wanted.surge > spare) {
    return refuse("strategy.rollingUpdate.maxSurge", wanted.surge, "surge",
                  "set maxSurge: 0 to replace in place");
  }
  return {};
}

Result<StrategyRequest> parseStrategy(const FieldReader& spec) {
  StrategyRequest out;
  auto strategy = spec.object("strategy");
  if (!strategy) return fail(strategy.error());
  if (!*strategy) return out;
  const FieldReader& s = **strategy;
  if (auto r = s.allowOnly({"type", "rollingUpdate", "canary"}); !r) return fail(r.error());
  auto type = s.optionalString("type");
  if (!type) return fail(type.error());
  std::string name = type->value_or("RollingUpdate");
  if (name == "RollingUpdate") {
    out.type = StrategyRequest::Type::RollingUpdate;
  } else if (name == "Recreate") {
    out.type = StrategyRequest::Type::Recreate;
  } else if (name == "Canary") {
    out.type = StrategyRequest::Type::Canary;
  } else {
    return s.error("type", "must be RollingUpdate, Recreate or Canary");
  }
  auto rolling = s.object("rollingUpdate");
  if (!rolling) return fail(rolling.error());
  if (*rolling) {
    if (out.type == StrategyRequest::Type::Recreate) {
      return s.error("rollingUpdate", "does not go with type Recreate");
    }
    if (auto r = (*rolling)->allowOnly({"maxSurge", "maxUnavailable"}); !r) return fail(r.error());
    if ((*rolling)->raw("maxSurge") != nullptr) {
      auto surge = intOrPercent(**rolling, "maxSurge", {});
      if (!surge) return fail(surge.error());
      out.maxSurge = *surge;
    }
    auto unavailable = intOrPercent(**rolling, "maxUnavailable", out.maxUnavailable);
    if (!unavailable) return fail(unavailable.error());
    out.maxUnavailable = *unavailable;
    if (out.maxSurge && out.maxSurge->value == 0 && out.maxUnavailable.value == 0) {
      return (*rolling)->error("", "maxSurge and maxUnavailable cannot both be 0");
    }
  }
  auto canary = s.object("canary");
  if (!canary) return fail(canary.error());
  if (*canary) {
    if (out.type != StrategyRequest::Type::Canary) {
      return s.error("canary", "goes only with type Canary");
    }
    if (auto r = (*canary)->allowOnly({"instances", "analysisMs", "manual"}); !r) {
      return fail(r.error());
    }
    auto instances = (*canary)->optionalInteger("instances", 1, 1000);
    if (!instances) return fail(instances.error());
    out.canaryInstances = static_cast<int>(instances->value_or(1));
    auto analysis = (*canary)->optionalInteger("analysisMs", 0, kMaxMs);
    if (!analysis) return fail(analysis.error());
    out.canaryAnalysisMs = analysis->value_or(out.canaryAnalysisMs);
    auto manual = (*canary)->optionalBool("manual");
    if (!manual) return fail(manual.error());
    out.canaryManual = manual->value_or(false);
  }
  return out;
}

Result<PlacementRequestSpec> parsePlacement(const FieldReader& spec) {
  PlacementRequestSpec out;
  auto placement = spec.object("placement");
  if (!placement) return fail(placement.error());
  if (!*placement) return out;
  const FieldReader& p = **placement;
  if (auto r = p.allowOnly({"hostSelector", "spread", "maxPerHost"}); !r) return fail(r.error());
  auto selector = p.stringMap("hostSelector");
  if (!selector) return fail(selector.error());
  out.hostSelector = *selector;
  auto spread = p.optionalString("spread");
  if (!spread) return fail(spread.error());
  if (*spread && **spread != "hosts" && **spread != "none") {
    return p.error("spread", "must be hosts or none");
  }
  out.spreadHosts = spread->value_or("hosts") == "hosts";
  auto perHost = p.optionalInteger("maxPerHost", 0, 10000);
  if (!perHost) return fail(perHost.error());
  out.maxPerHost = static_cast<int>(perHost->value_or(0));
  return out;
}

Result<DeploymentResource> parseDeployment(const FieldReader& spec, ObjectMeta meta) {
  if (auto r = spec.allowOnly({"image", "replicas", "resources", "interfaces", "config", "cmdline",
                               "healthCheck", "strategy", "minReadyMs", "progressDeadlineMs",
                               "autoRollback", "revisionHistoryLimit", "placement"});
      !r) {
    return fail(r.error());
  }
  DeploymentResource out;
  out.meta = std::move(meta);
  auto image = parseImage(spec);
  if (!image) return fail(image.error());
  out.image = *image;
  auto replicas = spec.optionalInteger("replicas", 0, 10000);
  if (!replicas) return fail(replicas.error());
  out.replicas = static_cast<int>(replicas->value_or(1));
  auto resources = spec.object("resources");
  if (!resources) return fail(resources.error());
  if (*resources) {
    if (auto r = (*resources)->allowOnly({"memoryMiB", "vcpus"}); !r) return fail(r.error());
    auto memory = (*resources)->optionalInteger("memoryMiB", 16, 1 << 20);
    if (!memory) return fail(memory.error());
    if (*memory) out.memoryMiB = static_cast<std::uint64_t>(**memory);
    auto vcpus = (*resources)->optionalInteger("vcpus", 1, 64);
    if (!vcpus) return fail(vcpus.error());
    if (*vcpus) out.vcpus = static_cast<unsigned>(**vcpus);
  }
  auto interfaces = spec.objectList("interfaces", 8);
  if (!interfaces) return fail(interfaces.error());
  std::set<std::string> networks;
  for (const auto& item : *interfaces) {
    auto parsed = parseInterface(item);
    if (!parsed) return fail(parsed.error());
    if (!networks.insert(parsed->network).second) {
      return item.error("network", "network " + parsed->network + " is attached twice");
    }
    if (parsed->capacity() < static_cast<std::size_t>(out.replicas)) {
      return item.error(parsed->pool ? "pool" : "addresses",
                        std::to_string(parsed->capacity()) + " addresses for " +
                            std::to_string(out.replicas) + " replicas: give one per replica",
                        ErrorKind::Unprocessable);
    }
    out.interfaces.push_back(std::move(*parsed));
  }
  auto config = spec.optionalString("config");
  if (!config) return fail(config.error());
  out.config = config->value_or("");
  if (out.config.size() > std::size_t{64} * 1024) return spec.error("config", "at most 64 KiB");
  for (char c : out.config) {
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
      return spec.error("config", "control characters are not allowed");
    }
  }
  if (auto r = checkConfigTemplate(out.config, {networks.begin(), networks.end()}); !r) {
    return spec.error("config", r.error().message);
  }
  auto cmdline = spec.optionalString("cmdline");
  if (!cmdline) return fail(cmdline.error());
  if (*cmdline) {
    bool ok = (*cmdline)->size() <= 1024;
    for (char c : **cmdline) ok = ok && c >= 0x20 && c < 0x7f;
    if (!ok) return spec.error("cmdline", "printable ASCII, at most 1024 characters");
    out.cmdline = **cmdline;
  }
  auto health = parseHealthCheck(spec);
  if (!health) return fail(health.error());
  out.healthCheck = *health;
  auto strategy = parseStrategy(spec);
  if (!strategy) return fail(strategy.error());
  out.strategy = *strategy;
  if (auto r = checkSpareAddresses(spec, out); !r) return fail(r.error());
  auto minReady = spec.optionalInteger("minReadyMs", 0, kMaxMs);
  if (!minReady) return fail(minReady.error());
  out.minReadyMs = minReady->value_or(0);
  auto deadline = spec.optionalInteger("progressDeadlineMs", 1000, kMaxMs);
  if (!deadline) return fail(deadline.error());
  out.progressDeadlineMs = deadline->value_or(out.progressDeadlineMs);
  auto rollback = spec.optionalBool("autoRollback");
  if (!rollback) return fail(rollback.error());
  out.autoRollback = rollback->value_or(true);
  auto history = spec.optionalInteger("revisionHistoryLimit", 1, 1000);
  if (!history) return fail(history.error());
  out.revisionHistoryLimit = static_cast<int>(history->value_or(10));
  auto placement = parsePlacement(spec);
  if (!placement) return fail(placement.error());
  out.placement = *placement;
  return out;
}

Result<HostResource> parseHost(const FieldReader& spec, const ObjectMeta& meta) {
  if (auto r = spec.allowOnly({"uri", "accel", "probeNetns"}); !r) return fail(r.error());
  HostResource out;
  out.request.name = meta.name;
  auto uri = spec.requiredString("uri");
  if (!uri) return fail(uri.error());
  out.request.uri = *uri;
  auto accel = spec.optionalString("accel");
  if (!accel) return fail(accel.error());
  out.request.accel = accel->value_or("kvm");
  auto netns = spec.optionalString("probeNetns");
  if (!netns) return fail(netns.error());
  out.request.probeNetns = netns->value_or("");
  for (const auto& [key, value] : meta.labels) {
    out.request.labels.push_back(std::string(key).append("=").append(value));
  }
  return out;  // the URI is checked by validateHostRequest under the server's policy
}

}  // namespace

Result<void> checkConfigTemplate(const std::string& config,
                                 const std::vector<std::string>& networks) {
  std::size_t pos = 0;
  while ((pos = config.find("${", pos)) != std::string::npos) {
    auto end = config.find('}', pos);
    if (end == std::string::npos) return fail(ErrorKind::InvalidArgument, "", "unclosed ${");
    std::string name = config.substr(pos + 2, end - pos - 2);
    bool known = name == "ordinal" || name == "instance" || name == "deployment";
    for (const char* prefix : {"address.", "hostAddress.", "prefixLength."}) {
      std::string p = prefix;
      if (name.starts_with(p)) {
        std::string network = name.substr(p.size());
        known = std::find(networks.begin(), networks.end(), network) != networks.end();
        if (!known) {
          return fail(ErrorKind::InvalidArgument, "",
                      "${" + name.substr(0, 60) + "} names a network the deployment is not on");
        }
      }
    }
    if (!known) {
      return fail(ErrorKind::InvalidArgument, "",
                  "unknown placeholder ${" + name.substr(0, 60) +
                      "} (known: ordinal, instance, deployment, address.NET, hostAddress.NET, "
                      "prefixLength.NET)");
    }
    pos = end + 1;
  }
  return {};
}

Result<Resource> parseResource(const Document& document) {
  DocumentRef doc{document.index, "", ""};
  FieldReader root(doc, document.body, "");
  if (!document.body.is_object()) return root.error("", "must be an object");
  auto kind = root.requiredString("kind");
  if (!kind) return fail(kind.error());
  if (*kind != "Network" && *kind != "Deployment" && *kind != "Host") {
    return root.error(
        "kind", "unknown kind \"" + kind->substr(0, 40) + "\" (known: Network, Deployment, Host)");
  }
  doc.kind = *kind;
  if (auto r = root.allowOnly({"apiVersion", "kind", "metadata", "spec"}); !r) {
    return fail(r.error());
  }
  auto apiVersion = root.requiredString("apiVersion");
  if (!apiVersion) return fail(apiVersion.error());
  if (*apiVersion != kApiVersion) {
    return root.error("apiVersion", "must be " + std::string(kApiVersion));
  }
  auto meta = parseMeta(root, doc);
  if (!meta) return fail(meta.error());
  bool hostName = *kind == "Host" ? images::validateImageName(meta->name).has_value()
                                  : validObjectName(meta->name);
  if (!hostName) {
    return fieldError(doc, "metadata.name",
                      "must be 1-40 lowercase letters, digits and single '-', starting with a "
                      "letter");
  }
  auto spec = root.object("spec");
  if (!spec) return fail(spec.error());
  if (!*spec) return root.error("spec", "is required");
  if (*kind == "Network") {
    auto network = parseNetwork(**spec, std::move(*meta));
    if (!network) return fail(network.error());
    return Resource{std::move(*network)};
  }
  if (*kind == "Deployment") {
    auto deployment = parseDeployment(**spec, std::move(*meta));
    if (!deployment) return fail(deployment.error());
    return Resource{std::move(*deployment)};
  }
  auto host = parseHost(**spec, *meta);
  if (!host) return fail(host.error());
  return Resource{std::move(*host)};
}

std::size_t InterfaceRequest::capacity() const {
  return pool ? pool->second - pool->first + 1 : addresses.size();
}

std::uint32_t InterfaceRequest::addressAt(std::size_t i) const {
  return pool ? pool->first + static_cast<std::uint32_t>(i) : addresses.at(i);
}

std::string ImageRequest::text() const {
  return version.empty() ? name + "@" + digest : name + ":" + version;
}

std::string kindOf(const Resource& resource) {
  switch (resource.index()) {
    case 0:
      return "Network";
    case 1:
      return "Deployment";
    default:
      return "Host";
  }
}

const std::string& nameOf(const Resource& resource) {
  return std::visit(
      [](const auto& r) -> const std::string& {
        if constexpr (std::is_same_v<std::decay_t<decltype(r)>, HostResource>) {
          return r.request.name;
        } else {
          return r.meta.name;
        }
      },
      resource);
}

}  // namespace stele::scheduler
