// Shape validation of desired-state documents: every bad document is refused with its index,
// the field path and the reason; good ones parse into typed kinds.
#include "scheduler/resource_parser.h"

#include <gtest/gtest.h>

#include "scheduler/rollout_strategy.h"

namespace stele::scheduler {
namespace {

const char* kNetwork = R"(apiVersion: stele.dev/v1
kind: Network
metadata: {name: dmz}
spec:
  cidr: 10.0.0.0/24
  hostAddress: 10.0.0.254
)";

const char* kDeployment = R"(apiVersion: stele.dev/v1
kind: Deployment
metadata:
  name: web
  labels: {tier: dmz}
  annotations: {stele.dev/change-cause: "first release"}
spec:
  image: web:0.1.0
  replicas: 2
  resources: {memoryMiB: 32, vcpus: 1}
  interfaces:
    - network: dmz
      addresses: [10.0.0.10, 10.0.0.11, 10.0.0.12]
  config: |
    gateway 10.0.0.1
  healthCheck:
    http: {port: 80, path: /healthz}
    initialDelayMs: 0
    periodMs: 200
    timeoutMs: 500
    failureThreshold: 3
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  minReadyMs: 500
  progressDeadlineMs: 60000
  autoRollback: true
  placement:
    hostSelector: {zone: a}
    spread: hosts
)";

Result<std::vector<Resource>> parseAll(const std::string& text) {
  auto documents = parseDocuments(text, DocumentFormat::Yaml);
  if (!documents) return fail(documents.error());
  std::vector<Resource> out;
  for (const auto& d : *documents) {
    auto r = parseResource(d);
    if (!r) return fail(r.error());
    out.push_back(std::move(*r));
  }
  return out;
}

TEST(ResourceParser, TheReferenceYamlParsesIntoTypedKinds) {
  auto parsed = parseAll(std::string(kNetwork) + "---\n" + kDeployment);
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 2u);
  const auto& net = std::get<NetworkResource>((*parsed)[0]);
  EXPECT_EQ(net.cidr.text(), "10.0.0.0/24");
  EXPECT_EQ(formatIpv4(*net.hostAddress), "10.0.0.254");
  const auto& web = std::get<DeploymentResource>((*parsed)[1]);
  EXPECT_EQ(web.meta.name, "web");
  EXPECT_EQ(web.meta.labels.at("tier"), "dmz");
  EXPECT_EQ(web.meta.annotations.at("stele.dev/change-cause"), "first release");
  EXPECT_EQ(web.image.name, "web");
  EXPECT_EQ(web.image.version, "0.1.0");
  EXPECT_EQ(web.replicas, 2);
  EXPECT_EQ(*web.memoryMiB, 32u);
  ASSERT_EQ(web.interfaces.size(), 1u);
  EXPECT_EQ(web.interfaces[0].capacity(), 3u);
  EXPECT_EQ(formatIpv4(web.interfaces[0].addressAt(1)), "10.0.0.11");
  EXPECT_EQ(web.config, "gateway 10.0.0.1\n");
  ASSERT_TRUE(web.healthCheck);
  EXPECT_TRUE(std::holds_alternative<health::HttpCheck>(web.healthCheck->kind));
  EXPECT_EQ(web.healthCheck->periodMs, 200);
  EXPECT_EQ(web.strategy.maxSurge, (IntOrPercent{1, false}));
  EXPECT_EQ(web.strategy.maxUnavailable, (IntOrPercent{0, false}));
  EXPECT_EQ(web.minReadyMs, 500);
  EXPECT_EQ(web.placement.hostSelector.at("zone"), "a");
  EXPECT_TRUE(web.placement.spreadHosts);
}

TEST(ResourceParser, JsonDocumentsMeanTheSameAsYaml) {
  auto yaml = parseDocuments(kNetwork, DocumentFormat::Yaml);
  ASSERT_TRUE(yaml) << yaml.error().message;
  std::string json = R"({"items":[)" + (*yaml)[0].body.dump() + "]}";
  auto fromJson = parseDocuments(json, DocumentFormat::Json);
  ASSERT_TRUE(fromJson) << fromJson.error().message;
  EXPECT_EQ((*fromJson)[0].body, (*yaml)[0].body);
}

TEST(ResourceParser, PoolsAndDigestsAndPercentagesParse) {
  std::string text = std::string(kDeployment);
  auto replace = [&text](const std::string& from, const std::string& to) {
    text.replace(text.find(from), from.size(), to);
  };
  replace("image: web:0.1.0", "image: web@sha256:" + std::string(64, 'a'));
  replace("addresses: [10.0.0.10, 10.0.0.11, 10.0.0.12]", "pool: 10.0.0.10-10.0.0.19");
  replace("maxSurge: 1", "maxSurge: \"25%\"");
  auto parsed = parseAll(text);
  ASSERT_TRUE(parsed) << parsed.error().message;
  const auto& web = std::get<DeploymentResource>((*parsed)[0]);
  EXPECT_EQ(web.image.digest, "sha256:" + std::string(64, 'a'));
  EXPECT_EQ(web.interfaces[0].capacity(), 10u);
  EXPECT_EQ(web.strategy.maxSurge, (IntOrPercent{25, true}));
}

TEST(ResourceParser, ACanaryStrategyIsReadWithItsRollingUpdateBoundsAndDefaults) {
  std::string text = std::string(kDeployment);
  text.replace(text.find("type: RollingUpdate"), 19,
               "type: Canary\n    canary: {instances: 1, analysisMs: 30000, manual: true}");
  auto parsed = parseAll(text);
  ASSERT_TRUE(parsed) << parsed.error().message;
  const auto& web = std::get<DeploymentResource>((*parsed)[0]);
  EXPECT_EQ(web.strategy.type, StrategyRequest::Type::Canary);
  EXPECT_EQ(web.strategy.canaryInstances, 1);
  EXPECT_EQ(web.strategy.canaryAnalysisMs, 30000);
  EXPECT_TRUE(web.strategy.canaryManual);
  EXPECT_EQ(web.strategy.maxSurge, (IntOrPercent{1, false}));
  EXPECT_EQ(resolveRolloutBounds(web), (RolloutBounds{1, 0, 1}));

  text = std::string(kDeployment);
  text.replace(text.find("type: RollingUpdate"), 19, "type: Canary");
  auto defaults = parseAll(text);
  ASSERT_TRUE(defaults) << defaults.error().message;
  const auto& strategy = std::get<DeploymentResource>((*defaults)[0]).strategy;
  EXPECT_EQ(strategy.canaryInstances, 1);
  EXPECT_EQ(strategy.canaryAnalysisMs, 60000);
  EXPECT_FALSE(strategy.canaryManual);
}

TEST(ResourceParser, AHealthChecksStartupTimeoutIsReadAndDefaultsToTenSeconds) {
  auto reference = parseAll(kDeployment);
  ASSERT_TRUE(reference) << reference.error().message;
  EXPECT_EQ(std::get<DeploymentResource>((*reference)[0]).healthCheck->startupTimeoutMs, 10'000);
  std::string text = std::string(kDeployment);
  text.replace(text.find("failureThreshold: 3"), 19,
               "failureThreshold: 3\n    startupTimeoutMs: 120000");
  auto parsed = parseAll(text);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(std::get<DeploymentResource>((*parsed)[0]).healthCheck->startupTimeoutMs, 120'000)
      << "a slow (TCG) guest gets longer before its first pass";
}

struct BadDocument {
  const char* what;
  std::string from;  // a key line of kDeployment to replace ("" = the whole text is `to`)
  std::string to;
  std::string expected;  // substring of the error message
};

std::string edit(const BadDocument& bad) {
  if (bad.from.empty()) return bad.to;
  std::string text = kDeployment;
  auto at = text.find(bad.from);
  EXPECT_NE(at, std::string::npos) << bad.from;
  if (at == std::string::npos) return text;
  return text.replace(at, bad.from.size(), bad.to);
}

TEST(ResourceParser, EveryBadDocumentNamesIndexFieldPathAndReason) {
  const std::vector<BadDocument> table = {
      {"unknown kind", "kind: Deployment", "kind: Pod", "document 0: kind: unknown kind \"Pod\""},
      {"wrong apiVersion", "apiVersion: stele.dev/v1", "apiVersion: apps/v1",
       "apiVersion: must be stele.dev/v1"},
      {"missing apiVersion", "apiVersion: stele.dev/v1\n", "", "apiVersion: is required"},
      {"unknown top field", "kind: Deployment", "kind: Deployment\nstatus: {}",
       "status: unknown field"},
      {"unknown spec field", "  replicas: 2", "  replicas: 2\n  replica: 3",
       "(Deployment web): spec.replica: unknown field"},
      {"missing metadata",
       "metadata:\n  name: web\n  labels: {tier: dmz}\n  annotations: {stele.dev/change-cause: "
       "\"first release\"}\n",
       "", "metadata: is required"},
      {"bad name", "  name: web", "  name: Web_1", "metadata.name: must be 1-40"},
      {"negative replicas", "replicas: 2", "replicas: -1", "spec.replicas: must be an integer"},
      {"replicas as string", "replicas: 2", "replicas: \"2\"", "spec.replicas: must be an integer"},
      {"replicas fractional", "replicas: 2", "replicas: 2.5", "spec.replicas: must be an integer"},
      {"image without version", "image: web:0.1.0", "image: web",
       "spec.image: must be NAME:VERSION"},
      {"image bad version", "image: web:0.1.0", "image: web:latest",
       "spec.image: version \"latest\""},
      {"image bad digest", "image: web:0.1.0", "image: web@sha256:abc", "spec.image: digest"},
      {"image bad name", "image: web:0.1.0", "image: Web/../x:0.1.0",
       "spec.image: \"Web/../x\" is not a valid image name"},
      {"memory too small", "memoryMiB: 32", "memoryMiB: 1", "spec.resources.memoryMiB"},
      {"vcpus zero", "vcpus: 1", "vcpus: 0", "spec.resources.vcpus"},
      {"unknown resource", "vcpus: 1", "vcpus: 1, gpus: 1", "spec.resources.gpus: unknown field"},
      {"address not IPv4", "10.0.0.12]", "10.0.0.300]",
       "spec.interfaces[0].addresses[2]: \"10.0.0.300\" is not an IPv4 address"},
      {"address duplicated", "10.0.0.12]", "10.0.0.10]",
       "spec.interfaces[0].addresses[2]: 10.0.0.10 is listed twice"},
      {"fewer addresses than replicas", "replicas: 2", "replicas: 4",
       "spec.interfaces[0].addresses: 3 addresses for 4 replicas"},
      {"interface without network", "    - network: dmz\n      addresses", "    - addresses",
       "spec.interfaces[0].network: is required"},
      {"bad pool", "addresses: [10.0.0.10, 10.0.0.11, 10.0.0.12]", "pool: 10.0.0.20-10.0.0.10",
       "spec.interfaces[0].pool: must be FIRST-LAST"},
      {"network twice", "      addresses: [10.0.0.10, 10.0.0.11, 10.0.0.12]",
       "      addresses: [10.0.0.10, 10.0.0.11, 10.0.0.12]\n    - network: dmz\n      addresses: "
       "[10.0.0.20, 10.0.0.21]",
       "spec.interfaces[1].network: network dmz is attached twice"},
      {"config placeholder unknown", "gateway 10.0.0.1", "gateway ${gateway}",
       "spec.config: unknown placeholder ${gateway}"},
      {"config placeholder other network", "gateway 10.0.0.1", "gateway ${address.outside}",
       "spec.config: ${address.outside} names a network the deployment is not on"},
      {"two health kinds", "http: {port: 80, path: /healthz}",
       "http: {port: 80}\n    tcp: {port: 80}", "spec.healthCheck: give exactly one of"},
      {"health port out of range", "port: 80, path", "port: 70000, path",
       "spec.healthCheck.http.port: must be an integer from 1 to 65535"},
      {"health path relative", "path: /healthz", "path: healthz",
       "spec.healthCheck.http.path: must start with /"},
      {"failure threshold zero", "failureThreshold: 3", "failureThreshold: 0",
       "spec.healthCheck.failureThreshold"},
      {"period wrong type", "periodMs: 200", "periodMs: fast", "spec.healthCheck.periodMs"},
      {"startup timeout negative", "failureThreshold: 3",
       "failureThreshold: 3\n    startupTimeoutMs: -1", "spec.healthCheck.startupTimeoutMs"},
      {"unknown strategy", "type: RollingUpdate", "type: BlueGreen",
       "spec.strategy.type: must be RollingUpdate, Recreate or Canary"},
      {"bad percentage", "maxSurge: 1", "maxSurge: \"150%\"",
       "spec.strategy.rollingUpdate.maxSurge: must be a count"},
      {"surge and unavailable zero", "maxSurge: 1", "maxSurge: 0",
       "spec.strategy.rollingUpdate: maxSurge and maxUnavailable cannot both be 0"},
      {"surge beyond the spare addresses", "maxSurge: 1", "maxSurge: 2",
       "spec.strategy.rollingUpdate.maxSurge: 2 surge instance(s) need as many spare addresses "
       "on dmz, which has 1 beyond the 2 replicas: add addresses, or set maxSurge: 0"},
      {"surge percentage beyond the spare addresses", "replicas: 2", "replicas: 3",
       "spec.strategy.rollingUpdate.maxSurge: 1 surge instance(s) need as many spare addresses "
       "on dmz, which has 0 beyond the 3 replicas"},
      {"canary beyond the spare addresses", "type: RollingUpdate",
       "type: Canary\n    canary: {instances: 2}",
       "spec.strategy.canary.instances: 2 canary instance(s) need as many spare addresses on "
       "dmz, which has 1 beyond the 2 replicas"},
      {"canary block with RollingUpdate", "type: RollingUpdate",
       "type: RollingUpdate\n    canary: {instances: 1}",
       "spec.strategy.canary: goes only with type Canary"},
      {"canary analysis negative", "type: RollingUpdate",
       "type: Canary\n    canary: {analysisMs: -1}", "spec.strategy.canary.analysisMs"},
      {"canary manual not bool", "type: RollingUpdate", "type: Canary\n    canary: {manual: 1}",
       "spec.strategy.canary.manual: must be true or false"},
      {"autoRollback not bool", "autoRollback: true", "autoRollback: yes",
       "spec.autoRollback: must be true or false"},
      {"deadline too short", "progressDeadlineMs: 60000", "progressDeadlineMs: 5",
       "spec.progressDeadlineMs"},
      {"bad spread", "spread: hosts", "spread: racks",
       "spec.placement.spread: must be hosts or none"},
      {"selector value not string", "hostSelector: {zone: a}", "hostSelector: {zone: [a]}",
       "spec.placement.hostSelector.zone: must be a string"},
      {"label key with space", "labels: {tier: dmz}", "labels: {\"ti er\": dmz}",
       "metadata.labels.ti er"},
      {"spec not an object", "",
       "apiVersion: stele.dev/v1\nkind: Network\nmetadata: {name: n}\nspec: 3\n",
       "document 0 (Network n): spec: must be an object"},
      {"network cidr host bits", "",
       "apiVersion: stele.dev/v1\nkind: Network\nmetadata: {name: n}\nspec: {cidr: 10.0.0.1/24}\n",
       "spec.cidr: must be an IPv4 network"},
      {"network host address outside", "",
       "apiVersion: stele.dev/v1\nkind: Network\nmetadata: {name: n}\nspec: {cidr: 10.0.0.0/24, "
       "hostAddress: 10.0.1.1}\n",
       "spec.hostAddress: 10.0.1.1 is not a host address in 10.0.0.0/24"},
      {"document not a mapping", "", "- just\n- a list\n", "document 0: must be an object"},
      {"duplicate key", "  replicas: 2", "  replicas: 2\n  replicas: 3",
       "document 0: spec.replicas: duplicate key"},
      {"yaml syntax", "", "kind: [unclosed\n", "YAML syntax error at line"},
      {"custom tag", "replicas: 2", "replicas: !!binary aGk=", "tag"},
  };
  for (const auto& bad : table) {
    auto parsed = parseAll(edit(bad));
    ASSERT_FALSE(parsed) << bad.what;
    EXPECT_NE(parsed.error().message.find(bad.expected), std::string::npos)
        << bad.what << ": got \"" << parsed.error().message << "\"";
  }
  EXPECT_GE(table.size(), 30u);
}

TEST(ResourceParser, TheSecondDocumentIsNamedByItsIndex) {
  auto parsed =
      parseAll(std::string(kNetwork) + "---\n" +
               "apiVersion: stele.dev/v1\nkind: Network\nmetadata: {name: b}\nspec: {}\n");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().message, "document 1 (Network b): spec.cidr: is required");
}

TEST(Documents, AliasBombsAreBoundedNotExpandedWithoutLimit) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char previous = 'a';
  for (char name = 'b'; name <= 'j'; ++name) {
    bomb += std::string(1, name) + ": &" + name + " [";
    for (int i = 0; i < 10; ++i) bomb += std::string(i ? ", *" : "*") + previous;
    bomb += "]\n";
    previous = name;
  }
  auto parsed = parseDocuments(bomb, DocumentFormat::Yaml);
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("too many nodes"), std::string::npos)
      << parsed.error().message;
}

TEST(Documents, EmptySubmissionsAndInvalidUtf8AreRefused) {
  EXPECT_FALSE(parseDocuments("", DocumentFormat::Yaml));
  EXPECT_FALSE(parseDocuments("---\n---\n", DocumentFormat::Yaml));
  EXPECT_FALSE(parseDocuments("kind: \xff\xfe\n", DocumentFormat::Yaml));
  EXPECT_FALSE(parseDocuments("[]", DocumentFormat::Json));
  EXPECT_FALSE(parseDocuments("{\"a\":1,\"a\":2}", DocumentFormat::Json));
}

TEST(Ipv4, ParsingIsStrict) {
  EXPECT_EQ(formatIpv4(*parseIpv4("10.0.0.1")), "10.0.0.1");
  for (const char* bad : {"10.0.0", "10.0.0.1.", "010.0.0.1", "10.0.0.256", "1e1.0.0.1",
                          " 10.0.0.1", "10.0.0.1/24", ""}) {
    EXPECT_FALSE(parseIpv4(bad)) << bad;
  }
  auto prefix = parseIpv4Prefix("192.168.4.0/22");
  ASSERT_TRUE(prefix);
  EXPECT_TRUE(prefix->contains(*parseIpv4("192.168.7.255")));
  EXPECT_FALSE(prefix->contains(*parseIpv4("192.168.8.0")));
  EXPECT_EQ(formatIpv4(prefix->broadcast()), "192.168.7.255");
  EXPECT_FALSE(parseIpv4Prefix("192.168.4.1/22"));
  EXPECT_FALSE(parseIpv4Prefix("192.168.4.0/33"));
  EXPECT_FALSE(parseIpv4Prefix("192.168.4.0/022"));
}

}  // namespace
}  // namespace stele::scheduler
