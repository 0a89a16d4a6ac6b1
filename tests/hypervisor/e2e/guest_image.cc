#include "tests/hypervisor/e2e/guest_image.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <vector>

namespace stele::hypervisor::e2e {

namespace fs = std::filesystem;

namespace {

std::unexpected<Error> missing(const std::string& what) {
  return fail(ErrorKind::Unavailable, "e2e_prerequisite_missing",
              "e2e guest prerequisite missing: " + what);
}

std::string readAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// newc cpio writer: enough for directories, regular files and device nodes.
class CpioWriter {
 public:
  void directory(const std::string& name) { entry(name, 040755, "", 0, 0); }
  void file(const std::string& name, const std::string& data, unsigned mode) {
    entry(name, 0100000 | mode, data, 0, 0);
  }
  void charDevice(const std::string& name, unsigned major, unsigned minor) {
    entry(name, 020600, "", major, minor);
  }
  std::string finish() {
    entry("TRAILER!!!", 0, "", 0, 0);
    return out_;
  }

 private:
  void entry(const std::string& name, unsigned mode, const std::string& data, unsigned rdevMajor,
             unsigned rdevMinor) {
    char header[111];
    std::snprintf(header, sizeof header,
                  "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", ++inode_, mode, 0u,
                  0u, 1u, 0u, static_cast<unsigned>(data.size()), 0u, 0u, rdevMajor, rdevMinor,
                  static_cast<unsigned>(name.size() + 1), 0u);
    out_.append(header, 110);
    out_ += name;
    out_ += '\0';
    pad();
    out_ += data;
    pad();
  }
  void pad() {
    while (out_.size() % 4 != 0) out_ += '\0';
  }
  std::string out_;
  unsigned inode_ = 0;
};

// modules.dep: "kernel/x/y.ko: kernel/a.ko kernel/b.ko"
std::map<std::string, std::vector<std::string>> parseModulesDep(const std::string& text) {
  std::map<std::string, std::vector<std::string>> deps;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::istringstream rest(line.substr(colon + 1));
    std::vector<std::string> list;
    for (std::string dep; rest >> dep;) list.push_back(dep);
    deps[line.substr(0, colon)] = list;
  }
  return deps;
}

void loadOrder(const std::string& module,
               const std::map<std::string, std::vector<std::string>>& deps,
               std::set<std::string>& seen, std::vector<std::string>& order) {
  if (!seen.insert(module).second) return;
  if (auto it = deps.find(module); it != deps.end()) {
    for (const auto& dep : it->second) loadOrder(dep, deps, seen, order);
  }
  order.push_back(module);
}

}  // namespace

std::string guestCmdline(const std::string& cidr, int port) {
  return "console=ttyS0 panic=-1 stele_ip=" + cidr + " stele_port=" + std::to_string(port);
}

Result<GuestImage> buildGuestImage(const std::string& guestInitBinary,
                                   const std::string& outputDir) {
  std::vector<fs::path> kernels;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/boot", ec)) {
    if (entry.path().filename().string().starts_with("vmlinuz-")) kernels.push_back(entry.path());
  }
  if (kernels.empty()) return missing("no /boot/vmlinuz-* (Debian package linux-image-amd64)");
  std::sort(kernels.begin(), kernels.end());
  const fs::path kernel = kernels.back();
  const std::string version = kernel.filename().string().substr(std::string("vmlinuz-").size());
  const fs::path moduleRoot = fs::path("/lib/modules") / version;
  if (!fs::exists(moduleRoot / "modules.dep"))
    return missing((moduleRoot / "modules.dep").string());
  if (!fs::exists(guestInitBinary)) return missing("guest init binary " + guestInitBinary);

  auto deps = parseModulesDep(readAll(moduleRoot / "modules.dep"));
  std::set<std::string> seen;
  std::vector<std::string> order;
  for (const char* wanted :
       {"kernel/drivers/virtio/virtio_pci.ko", "kernel/drivers/net/virtio_net.ko"}) {
    if (!deps.contains(wanted)) {
      // Built in (=y) needs no module; a compressed module would be listed as .ko.xz.
      if (deps.contains(std::string(wanted) + ".xz") ||
          deps.contains(std::string(wanted) + ".zst")) {
        return missing(std::string("uncompressed ") + wanted +
                       " (compressed modules are not supported here)");
      }
      continue;
    }
    loadOrder(wanted, deps, seen, order);
  }

  CpioWriter cpio;
  cpio.directory("dev");
  cpio.charDevice("dev/console", 5, 1);
  cpio.directory("proc");
  cpio.directory("modules");
  for (std::size_t i = 0; i < order.size(); ++i) {
    const std::string prefix = (i < 10 ? "0" : "") + std::to_string(i) + "-";
    cpio.file("modules/" + prefix + fs::path(order[i]).filename().string(),
              readAll(moduleRoot / order[i]), 0644);
  }
  cpio.file("init", readAll(guestInitBinary), 0755);

  fs::create_directories(outputDir, ec);
  GuestImage image{outputDir + "/vmlinuz", outputDir + "/initrd.cpio"};
  fs::copy_file(kernel, image.kernel, fs::copy_options::overwrite_existing, ec);
  if (ec)
    return fail(ErrorKind::Internal, "e2e_setup_failed",
                "copy " + kernel.string() + ": " + ec.message());
  std::ofstream(image.initrd, std::ios::binary) << cpio.finish();
  return image;
}

}  // namespace stele::hypervisor::e2e
