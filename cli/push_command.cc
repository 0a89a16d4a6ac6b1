// `stele push NAME:VERSION [--draft DIR] --kernel F [--initrd F] [--disk F] [--cmdline S]
//   [--annotation k=v]... [--config-key KEY[:required]]... [--vcpus N] [--memory MiB] --key K`
#include <unistd.h>

#include <cstdio>

#include "cli/client_context.h"
#include "cli/commands.h"
#include "cli/image_pusher.h"
#include "cli/size_units.h"
#include "store/file_io.h"

namespace stele::cli {
namespace {

// On a terminal: one bar redrawn in place. Otherwise: plain lines a CI log can keep.
PushEvents progressPrinter(bool tty) {
  PushEvents events;
  events.blobStarted = [](const std::string& role, const std::string& digest, std::int64_t size,
                          bool there) {
    std::fprintf(stderr, "%s %s (%s) %s\n", role.c_str(), digest.substr(0, 19).c_str(),
                 formatSize(size).c_str(), there ? "already on the server, skipped" : "uploading");
  };
  events.progress = [tty](const std::string& role, std::int64_t sent, std::int64_t total) {
    int percent = total > 0 ? static_cast<int>(sent * 100 / total) : 100;
    if (tty) {
      int filled = percent / 4;
      std::fprintf(stderr, "\r  %-6s [%s%s] %3d%% %s", role.c_str(),
                   std::string(filled, '#').c_str(), std::string(25 - filled, ' ').c_str(), percent,
                   formatSize(sent).c_str());
      if (sent == total) std::fputc('\n', stderr);
    } else if (sent == total) {
      std::fprintf(stderr, "  %s uploaded %s\n", role.c_str(), formatSize(sent).c_str());
    }
  };
  return events;
}

// A manifest draft from images/build-images.sh: DIR/manifest.json names the blobs (DIR/kernel,
// DIR/initrd), the cmdline, resources, config keys and annotations. Flags override it; the
// name and version always come from NAME:VERSION.
Result<void> applyDraft(const std::string& dir, PushPlan& plan) {
  auto text = store::readFile(dir + "/manifest.json");
  if (!text) return fail(text.error());
  auto draft = images::parseManifest(*text);
  if (!draft) {
    return fail(ErrorKind::InvalidArgument, "draft_invalid",
                dir + "/manifest.json: " + draft.error().message);
  }
  for (const auto& blob : draft->blobs) plan.files.push_back({blob.role, dir + "/" + blob.role});
  plan.cmdline = draft->cmdline;
  plan.vcpus = draft->vcpus;
  plan.memoryMiB = draft->memoryMiB;
  plan.config = draft->config;
  plan.annotations = draft->annotations;
  return {};
}

Result<PushPlan> planFromArgs(const Args& args) {
  auto usage = [](const std::string& m) { return fail(ErrorKind::InvalidArgument, "usage", m); };
  if (args.positionals().size() != 1) {
    return usage("usage: stele push NAME:VERSION --kernel F [--initrd F] --key K.key");
  }
  const std::string& ref = args.positionals()[0];
  auto colon = ref.find(':');
  if (colon == std::string::npos) return usage("image reference must be NAME:VERSION");
  PushPlan plan;
  plan.name = ref.substr(0, colon);
  plan.version = ref.substr(colon + 1);
  if (auto draft = args.value("draft")) {
    if (auto r = applyDraft(*draft, plan); !r) return fail(r.error());
  }
  for (const char* role : {"kernel", "initrd", "disk"}) {
    if (auto path = args.value(role)) {
      std::erase_if(plan.files, [&](const PushFile& f) { return f.role == role; });
      plan.files.push_back({role, *path});
    }
  }
  if (plan.files.empty()) {
    return usage("give --draft DIR, or --kernel (and optionally --initrd), or --disk");
  }
  auto keyPath = args.value("key");
  if (!keyPath) return usage("--key NAME.key is required: manifests are always signed");
  auto pem = store::readFile(*keyPath);
  if (!pem) return fail(pem.error());
  plan.privateKeyPem = *pem;
  plan.cmdline = args.valueOr("cmdline", plan.cmdline);
  plan.vcpus = std::atoi(args.valueOr("vcpus", std::to_string(plan.vcpus)).c_str());
  plan.memoryMiB = std::atoi(args.valueOr("memory", std::to_string(plan.memoryMiB)).c_str());
  for (const auto& a : args.values("annotation")) {
    auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0) return usage("--annotation must be KEY=VALUE");
    plan.annotations[a.substr(0, eq)] = a.substr(eq + 1);
  }
  for (const auto& c : args.values("config-key")) {
    bool required = c.ends_with(":required");
    plan.config.push_back({required ? c.substr(0, c.size() - 9) : c, required, ""});
  }
  if (auto chunk = args.value("chunk-size")) {
    auto bytes = parseSize(*chunk);
    if (!bytes) return fail(bytes.error());
    plan.chunkBytes = *bytes;
  }
  return plan;
}

}  // namespace

int runPush(const Argv& argv) {
  auto args =
      Args::parse(argv, clientFlags({"draft", "kernel", "initrd", "disk", "cmdline", "annotation",
                                     "config-key", "vcpus", "memory", "key", "chunk-size"}));
  if (!args) return reportError(args.error());
  auto plan = planFromArgs(*args);
  if (!plan) return reportError(plan.error());
  HttpClient client = makeClient(*args);
  auto outcome = pushImage(client, *plan, progressPrinter(::isatty(STDERR_FILENO) == 1));
  if (!outcome) return reportError(outcome.error());
  std::printf("%s:%s %s %s\n", plan->name.c_str(), plan->version.c_str(),
              outcome->created ? "pushed" : "already present, unchanged",
              outcome->manifestDigest.c_str());
  return 0;
}

}  // namespace stele::cli
