// Config check benchmark: what the appliance-grammar check adds to one Deployment's
// validateDeploymentReferences at apply (pure; no I/O). Per case, the same deployment against an
// image without the `appliance` annotation (key checks only) and with it (each checked replica's
// config rendered and run through the appliance's parser). Prints a table of microseconds per
// validation (median of --rounds), and what the apply's write transaction pays once the grammar
// ran before it.
//
//   config_check_bench [--rounds 2000] [--records 1000]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/common/bench_flags.h"
#include "scheduler/apply_validation.h"
#include "scheduler/documents.h"
#include "scheduler/resource_parser.h"

namespace {

using namespace stele;
using namespace stele::scheduler;

struct Case {
  std::string name;
  std::string appliance;
  int replicas;
  std::string config;
};

DeploymentResource deploymentOf(const Case& c) {
  std::string yaml = "apiVersion: stele.dev/v1\nkind: Deployment\nmetadata: {name: " + c.appliance +
                     "}\nspec:\n  image: " + c.appliance +
                     ":0.1.0\n  replicas: " + std::to_string(c.replicas) +
                     "\n  interfaces: [{network: fleet, pool: 10.1.0.10-10.1.15.250}]\n"
                     "  config: |\n";
  std::size_t start = 0;
  while (start < c.config.size()) {
    auto end = c.config.find('\n', start);
    yaml += "    " + c.config.substr(start, end - start) + "\n";
    start = end + 1;
  }
  auto documents = parseDocuments(yaml, DocumentFormat::Yaml);
  return std::get<DeploymentResource>(*parseResource((*documents)[0]));
}

ResolvedImage imageOf(const std::string& appliance, bool annotated) {
  ResolvedImage image{appliance, "0.1.0", "sha256:00", {}, {}};
  image.manifest.name = appliance;
  image.manifest.version = "0.1.0";
  image.manifest.bootKind = "kernel";
  for (const char* key : {"instance", "version", "interface", "gateway", "listen",
                          "max-connections", "zone", "record"}) {
    image.manifest.config.push_back({key, false, ""});
  }
  if (annotated) image.manifest.annotations["appliance"] = appliance;
  return image;
}

double medianMicros(const DeploymentResource& deployment, const ResolvedImage& image,
                    const std::map<std::string, NetworkResource>& networks, int rounds,
                    ConfigValues values = ConfigValues::Check) {
  std::vector<double> times;
  times.reserve(static_cast<std::size_t>(rounds));
  DocumentRef doc{1, "Deployment", deployment.meta.name};
  for (int i = 0; i < rounds; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto r = validateDeploymentReferences(doc, deployment, image, networks, {}, values);
    times.push_back(bench::secondsSince(start) * 1e6);
    if (!r) {
      std::fprintf(stderr, "refused: %s\n", r.error().message.c_str());
      return -1;
    }
  }
  std::nth_element(times.begin(), times.begin() + rounds / 2, times.end());
  return times[static_cast<std::size_t>(rounds / 2)];
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 2000;
  int records = 1000;
  std::string bad =
      bench::readIntFlags(argc, argv, {{"--rounds", &rounds}, {"--records", &records}});
  if (!bad.empty() || rounds < 1 || records < 1 || rounds > 1'000'000 || records > 100'000) {
    std::fprintf(stderr, "usage: config_check_bench [--rounds N] [--records N]\n");
    return 2;
  }
  auto network =
      parseResource((*parseDocuments("apiVersion: stele.dev/v1\nkind: Network\n"
                                     "metadata: {name: fleet}\n"
                                     "spec: {cidr: 10.1.0.0/16}\n",
                                     DocumentFormat::Yaml))[0]);
  std::map<std::string, NetworkResource> networks = {
      {"fleet", std::get<NetworkResource>(*network)}};
  std::string zone =
      "zone example.test\nrecord @ 300 SOA ns1 hostmaster 1 3600 600 86400 60\n"
      "record @ 300 NS ns1\nrecord ns1 300 A ${address.fleet}\n";
  for (int i = 0; i < records; ++i) {
    zone += "record host" + std::to_string(i) + " 300 A 10.2." + std::to_string(i / 250) + "." +
            std::to_string(i % 250 + 1) + "\n";
  }
  std::vector<Case> cases = {
      {"web, 1 replica, 3 lines", "web", 1,
       "gateway 10.1.0.1\nlisten ${address.fleet}:80\nmax-connections 500\n"},
      {"web, 1000 replicas, 3 lines", "web", 1000,
       "gateway 10.1.0.1\nlisten ${address.fleet}:80\nmax-connections 500\n"},
      {"dns, 1 replica, " + std::to_string(records + 3) + " records", "dns", 1, zone},
      {"dns, 1000 replicas, " + std::to_string(records + 3) + " records", "dns", 1000, zone},
  };
  std::printf("%-34s %14s %14s %10s %12s\n", "case (median of rounds)", "keys only us",
              "with grammar us", "added us", "in tx us");
  for (const auto& c : cases) {
    DeploymentResource deployment = deploymentOf(c);
    double plain = medianMicros(deployment, imageOf(c.appliance, false), networks, rounds);
    double checked = medianMicros(deployment, imageOf(c.appliance, true), networks, rounds);
    // What the apply's write transaction pays: the grammar ran before it (desired_state.cc).
    double inTx = medianMicros(deployment, imageOf(c.appliance, true), networks, rounds,
                               ConfigValues::AlreadyChecked);
    std::printf("%-34s %14.1f %14.1f %10.1f %12.1f\n", c.name.c_str(), plain, checked,
                checked - plain, inTx);
  }
  std::printf(
      "(%d rounds each; the grammar check renders and parses at most 17 replicas; "
      "\"in tx\" is what the apply's write transaction pays, the grammar having run "
      "before it)\n",
      rounds);
  return 0;
}
