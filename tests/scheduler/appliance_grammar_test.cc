// A deployment's appliance config checked at apply with the appliance's own grammar: per
// appliance, good configs pass, and a bad value is refused naming its spec.config line (or the
// field a line Stele writes comes from) and the parser's reason. The images' config keys are the
// ones images/build-images.sh puts in the real manifests (images/appliance-config-keys.tsv).
#include "scheduler/appliance_grammar.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "scheduler/apply_validation.h"
#include "scheduler/documents.h"
#include "scheduler/resource_parser.h"

namespace stele::scheduler {
namespace {

// The manifest build-images.sh writes for `appliance` (keys from the TSV), with the
// `appliance` annotation set to `annotation` (empty: none).
ResolvedImage imageFor(const std::string& appliance, const std::string& annotation) {
  ResolvedImage image{appliance, "0.1.0", "sha256:00", {}, {}};
  image.manifest.name = appliance;
  image.manifest.version = "0.1.0";
  image.manifest.bootKind = "kernel";
  if (!annotation.empty()) image.manifest.annotations["appliance"] = annotation;
  std::ifstream keys(std::string(STELE_SOURCE_DIR) + "/images/appliance-config-keys.tsv");
  std::string line;
  while (std::getline(keys, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string name, key, required, description;
    std::getline(fields, name, '\t');
    std::getline(fields, key, '\t');
    std::getline(fields, required, '\t');
    std::getline(fields, description);
    if (name == appliance)
      image.manifest.config.push_back({key, required == "required", description});
  }
  return image;
}

const char* kNetworks = R"(apiVersion: stele.dev/v1
kind: Network
metadata: {name: dmz}
spec: {cidr: 10.0.0.0/24, hostAddress: 10.0.0.254}
---
apiVersion: stele.dev/v1
kind: Network
metadata: {name: lan}
spec: {cidr: 10.1.0.0/24}
---
apiVersion: stele.dev/v1
kind: Network
metadata: {name: wide}
spec: {cidr: 10.0.0.0/16}
)";

std::map<std::string, NetworkResource> networks() {
  std::map<std::string, NetworkResource> out;
  auto documents = parseDocuments(kNetworks, DocumentFormat::Yaml);
  for (const auto& document : *documents) {
    auto network = std::get<NetworkResource>(*parseResource(document));
    out[network.meta.name] = network;
  }
  return out;
}

const char* kFirewallPorts =
    "[{network: dmz, addresses: [10.0.0.2]}, {network: lan, addresses: [10.1.0.2]}]";

struct Case {
  const char* behaviour;
  const char* appliance;
  const char* annotation;
  int replicas;
  const char* interfaces;  // YAML flow list
  const char* config;      // spec.config
  const char* error;       // "" = accepted; else the whole message after "document 1 (...): "
};

const Case kCases[] = {
    // web
    {"web: listen, gateway and max-connections in range are accepted", "web", "web", 2,
     "[{network: dmz, addresses: [10.0.0.10, 10.0.0.11]}]",
     "# the web tier\ngateway 10.0.0.1\nlisten ${address.dmz}:80\nmax-connections 500\n", ""},
    {"web: no config at all is accepted (Stele's lines only)", "web", "web", 1,
     "[{network: dmz, addresses: [10.0.0.10]}]", "", ""},
    {"web: max-connections 0 is refused on its own line, comments and blanks counted", "web", "web",
     1, "[{network: dmz, addresses: [10.0.0.10]}]", "# limits\n\nmax-connections 0\n",
     "spec.config line 3: max-connections must be 1..100000"},
    {"web: a bad gateway address names the directive", "web", "web", 1,
     "[{network: dmz, addresses: [10.0.0.10]}]", "gateway 10.0.0.300",
     "spec.config line 1: gateway: '10.0.0.300' is not an IPv4 address"},
    {"web: a placeholder-filled port out of range is refused as rendered", "web", "web", 2,
     "[{network: dmz, addresses: [10.0.0.10, 10.0.0.11]}]",
     "gateway 10.0.0.1\nlisten ${address.dmz}:99999\n",
     "spec.config line 2: listen: '10.0.0.10:99999' is not ADDRESS or ADDRESS:PORT (replica 0 "
     "renders it as \"listen 10.0.0.10:99999\")"},
    {"web: a value only some replica's placeholders break is refused naming that replica", "web",
     "web", 8, "[{network: dmz, pool: 10.0.0.10-10.0.0.20}]", "listen 10.0.0.1:6553${ordinal}",
     "spec.config line 1: listen: '10.0.0.1:65536' is not ADDRESS or ADDRESS:PORT (replica 6 "
     "renders it as \"listen 10.0.0.1:65536\")"},
    {"web: the last replica of a large deployment is checked too", "web", "web", 200,
     "[{network: wide, pool: 10.0.1.1-10.0.1.250}]", "max-connections 1${ordinal}00",
     "spec.config line 1: max-connections must be 1..100000 (replica 199 renders it as "
     "\"max-connections 119900\")"},
    {"web: the same listen address twice is refused on the second line", "web", "web", 1,
     "[{network: dmz, addresses: [10.0.0.10]}]", "listen ${address.dmz}\nlisten 10.0.0.10:80\n",
     "spec.config line 2: listen address given twice"},
    // dns
    {"dns: a zone with SOA, NS and A records is accepted", "dns", "dns", 1,
     "[{network: dmz, addresses: [10.0.0.53]}]",
     "zone example.test\nrecord @ 300 SOA ns1 hostmaster 1 3600 600 86400 60\n"
     "record @ 300 NS ns1\nrecord ns1 300 A ${address.dmz}\nrecord www 300 A 10.0.0.10\n",
     ""},
    {"dns: a record whose A data is not an address is refused on its line", "dns", "dns", 1,
     "[{network: dmz, addresses: [10.0.0.53]}]",
     "zone example.test\nrecord @ 300 SOA ns1 hostmaster 1 3600 600 86400 60\n"
     "record @ 300 NS ns1\nrecord www 300 A not-an-ip\n",
     "spec.config line 4: record: 'not-an-ip' is not an IPv4 address"},
    {"dns: a zone without SOA is refused on its zone line", "dns", "dns", 1,
     "[{network: dmz, addresses: [10.0.0.53]}]",
     "zone example.test\nrecord @ 300 NS ns1\nrecord ns1 300 A 10.0.0.53\n",
     "spec.config line 1: zone example.test"},
    {"dns: an unknown record type is refused", "dns", "dns", 1,
     "[{network: dmz, addresses: [10.0.0.53]}]",
     "zone example.test\nrecord @ 300 SOA ns1 hostmaster 1 3600 600 86400 60\n"
     "record @ 300 NS ns1\nrecord @ 300 MX 10 mail\n",
     "spec.config line 4: record type 'MX' is not one of A AAAA CNAME NS SOA TXT"},
    // router
    {"router: two ports and a default route on one of them are accepted", "router", "router", 1,
     "[{network: dmz, addresses: [10.0.0.1]}, {network: lan, addresses: [10.1.0.1]}]",
     "route default via 10.0.0.254\n", ""},
    {"router: a /33 prefix is refused", "router", "router", 1,
     "[{network: dmz, addresses: [10.0.0.1]}, {network: lan, addresses: [10.1.0.1]}]",
     "route 10.0.0.0/33 via 10.0.0.254\n",
     "spec.config line 1: route: '10.0.0.0/33' is not a prefix (A.B.C.D/LEN with zero host bits, "
     "or default)"},
    {"router: a gateway on no port's subnet is refused", "router", "router", 1,
     "[{network: dmz, addresses: [10.0.0.1]}, {network: lan, addresses: [10.1.0.1]}]",
     "route 192.168.0.0/16 via 172.16.0.1\n",
     "spec.config line 1: route: gateway 172.16.0.1 is not on any interface's subnet"},
    {"router: one port only is refused as a whole, pointing at spec.interfaces", "router", "router",
     1, "[{network: dmz, addresses: [10.0.0.1]}]", "",
     "spec.config: the router appliance refuses the config as a whole: a router needs at least two "
     "'interface' lines (Stele writes the interface lines, one per entry of spec.interfaces: 1 "
     "here)"},
    {"router: overlapping networks are refused in the line Stele writes, not blamed on the user",
     "router", "router", 1,
     "[{network: dmz, addresses: [10.0.0.1]}, {network: wide, addresses: [10.0.1.1]}]", "",
     "spec.interfaces[1]: the router appliance refuses the line Stele writes for replica 0 "
     "(\"interface spec.interfaces[1] (wide) 10.0.1.1/16\"): subnet overlaps the one of interface "
     "spec.interfaces[0] (dmz)"},
    // firewall
    {"firewall: ports, rules and policy are accepted", "firewall", "firewall", 1, kFirewallPorts,
     "outside eth0\ninside eth1\nrule drop log proto icmp icmp-type echo-request\n"
     "rule accept proto tcp dport 80 in outside\npolicy accept\nlog-rate 50\n",
     ""},
    {"firewall: an unknown protocol is refused on its rule line", "firewall", "firewall", 1,
     kFirewallPorts, "outside eth0\ninside eth1\nrule accept proto xyz\n",
     "spec.config line 3: rule: protocol 'xyz' is not tcp, udp, icmp, any or 0-255"},
    {"firewall: a port match without tcp or udp is refused", "firewall", "firewall", 1,
     kFirewallPorts, "outside eth0\ninside eth1\nrule accept dport 80\n",
     "spec.config line 3: rule: sport/dport need 'proto tcp' or 'proto udp'"},
    {"firewall: log-rate 0 is refused", "firewall", "firewall", 1, kFirewallPorts,
     "outside eth0\ninside eth1\nlog-rate 0\n",
     "spec.config line 3: log-rate must be 1..100000 lines per second"},
    {"firewall: one port as both sides is refused as a whole", "firewall", "firewall", 1,
     kFirewallPorts, "outside eth0\ninside eth0\n",
     "spec.config: the firewall appliance refuses the config as a whole: 'outside' and 'inside' "
     "name the same interface"},
    // images that name no grammar
    {"an image without the appliance annotation gets key checks only", "web", "", 1,
     "[{network: dmz, addresses: [10.0.0.10]}]", "max-connections 0\n", ""},
    {"an image whose annotation names no known appliance gets key checks only", "web", "mainframe",
     1, "[{network: dmz, addresses: [10.0.0.10]}]", "max-connections 0\n", ""},
    {"key checks still come first: an undeclared key is named as such", "web", "web", 1,
     "[{network: dmz, addresses: [10.0.0.10]}]", "zone example.test\n",
     "spec.config line 1: \"zone\" is not a config key of image web:0.1.0"},
};

class ApplianceGrammarTest : public ::testing::TestWithParam<Case> {};

std::string indented(const std::string& text) {
  std::string out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) out += "    " + line + "\n";
  return out;
}

DeploymentResource deploymentOf(const Case& c) {
  std::string yaml = std::string(R"(apiVersion: stele.dev/v1
kind: Deployment
metadata: {name: )") +
                     c.appliance + R"(}
spec:
  image: )" + c.appliance +
                     R"(:0.1.0
  replicas: )" + std::to_string(c.replicas) +
                     "\n  interfaces: " + c.interfaces + "\n";
  if (*c.config) yaml += "  config: |\n" + indented(c.config);
  auto documents = parseDocuments(yaml, DocumentFormat::Yaml);
  EXPECT_TRUE(documents) << documents.error().message;
  auto resource = parseResource((*documents)[0]);
  EXPECT_TRUE(resource) << resource.error().message;
  return std::get<DeploymentResource>(*resource);
}

TEST_P(ApplianceGrammarTest, RefusesWhatTheApplianceWouldRefuseAndNamesTheLine) {
  const Case& c = GetParam();
  const auto deployment = deploymentOf(c);
  DocumentRef doc{1, "Deployment", c.appliance};
  auto checked = validateDeploymentReferences(doc, deployment, imageFor(c.appliance, c.annotation),
                                              networks(), {});
  if (*c.error == '\0') {
    EXPECT_TRUE(checked) << checked.error().message;
    return;
  }
  ASSERT_FALSE(checked) << c.behaviour;
  EXPECT_EQ(checked.error().kind, ErrorKind::Unprocessable);
  EXPECT_EQ(checked.error().code, "reference_invalid");
  std::string prefix = "document 1 (Deployment " + std::string(c.appliance) + "): ";
  EXPECT_EQ(checked.error().message.substr(0, prefix.size() + std::strlen(c.error)),
            prefix + c.error);
}

INSTANTIATE_TEST_SUITE_P(PerAppliance, ApplianceGrammarTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           std::string name;
                           for (const char* p = info.param.behaviour; *p; ++p) {
                             char ch = *p;
                             bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                                          (ch >= '0' && ch <= '9');
                             if (alnum)
                               name += ch;
                             else if (!name.empty() && name.back() != '_')
                               name += '_';
                           }
                           return std::to_string(info.index) + "_" + name;
                         });

// The apply runs the grammar before its write transaction; inside it, ConfigValues::
// AlreadyChecked skips the grammar but still checks the keys.
TEST(ApplianceGrammar, AlreadyCheckedSkipsTheGrammarButNotTheKeyChecks) {
  const Case refusedValue{
      "", "web", "web", 1, "[{network: dmz, addresses: [10.0.0.10]}]", "max-connections 0\n", ""};
  const Case unknownKey{
      "", "web", "web", 1, "[{network: dmz, addresses: [10.0.0.10]}]", "zone example.test\n", ""};
  DocumentRef doc{1, "Deployment", "web"};
  auto image = imageFor("web", "web");
  EXPECT_FALSE(
      validateDeploymentReferences(doc, deploymentOf(refusedValue), image, networks(), {}));
  EXPECT_TRUE(validateDeploymentReferences(doc, deploymentOf(refusedValue), image, networks(), {},
                                           ConfigValues::AlreadyChecked));
  auto keys = validateDeploymentReferences(doc, deploymentOf(unknownKey), image, networks(), {},
                                           ConfigValues::AlreadyChecked);
  ASSERT_FALSE(keys);
  EXPECT_NE(keys.error().message.find("\"zone\" is not a config key"), std::string::npos);
}

TEST(ApplianceGrammar, TheAnnotationNamesOneOfTheFourAppliances) {
  images::Manifest manifest;
  EXPECT_FALSE(applianceOf(manifest));
  for (const char* name : {"web", "dns", "router", "firewall"}) {
    manifest.annotations["appliance"] = name;
    ASSERT_TRUE(applianceOf(manifest)) << name;
    EXPECT_EQ(applianceName(*applianceOf(manifest)), name);
  }
  manifest.annotations["appliance"] = "Web";
  EXPECT_FALSE(applianceOf(manifest));
}

TEST(ApplianceGrammar, TheParserReportsTheLineOfTheConfigItWasGiven) {
  auto refusal = checkApplianceConfig(Appliance::Web, "instance a\n\nmax-connections x\n");
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->line, 3);
  EXPECT_FALSE(checkApplianceConfig(Appliance::Web, "instance a\n"));
  EXPECT_FALSE(checkApplianceConfig(Appliance::Firewall, "outside eth0\ninside eth1\n"));
}

}  // namespace
}  // namespace stele::scheduler
