#include "tests/hypervisor/e2e/private_libvirtd.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/hypervisor/e2e/process_runner.h"

namespace stele::hypervisor::e2e {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::unexpected<Error> missing(const std::string& what) {
  return fail(ErrorKind::Unavailable, "e2e_prerequisite_missing",
              "e2e prerequisite missing: " + what + " (install scripts/packages.txt; run as root)");
}

void writeText(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// Private directory (in our scratch root) -> where the daemon sees it.
const std::vector<std::pair<std::string, std::string>> kPrivateMounts = {
    {"run", "/run/libvirt"},
    {"lib", "/var/lib/libvirt"},
    {"cache", "/var/cache/libvirt"},
    {"log", "/var/log/libvirt"},
    {"etc", "/etc/libvirt"}};

}  // namespace

Result<std::unique_ptr<PrivateLibvirtd>> PrivateLibvirtd::start(const std::string& label) {
  if (geteuid() != 0) return missing("root privileges (network and mount namespaces)");
  for (const char* program : {"ip", "libvirtd", "virtlogd", "qemu-system-x86_64"}) {
    if (!programExists(program) && !programExists(std::string("/usr/sbin/") + program))
      return missing(program);
  }
  std::string pattern = "/tmp/stele-e2e-" + label + "-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr)
    return fail(ErrorKind::Internal, "e2e_setup_failed", "mkdtemp failed");
  const std::string netns = "stele-e2e-" + label + "-" + std::to_string(getpid());
  std::unique_ptr<PrivateLibvirtd> env(new PrivateLibvirtd(netns, pattern));
  chmod(env->root_.c_str(), 0755);

  for (const auto& [dir, target] : kPrivateMounts) {
    fs::create_directories(env->root_ + "/" + dir);
    std::error_code ec;
    fs::create_directories(target, ec);  // the mount point must exist on the host
  }
  fs::create_directories(env->root_ + "/lib/dnsmasq");
  fs::create_directories(env->root_ + "/lib/network");
  fs::create_directories(env->instanceDir());
  chmod(env->instanceDir().c_str(), 0755);
  writeText(env->root_ + "/etc/libvirtd.conf",
            "unix_sock_group = \"root\"\nunix_sock_rw_perms = \"0700\"\nauth_unix_rw = \"none\"\n"
            "auth_unix_ro = \"none\"\nlog_outputs = \"3:stderr\"\n");
  writeText(env->root_ + "/etc/qemu.conf",
            "user = \"root\"\ngroup = \"root\"\ncgroup_controllers = [ ]\nnamespaces = [ ]\n");
  writeText(env->root_ + "/etc/virtlogd.conf", "log_outputs = \"3:stderr\"\n");

  if (auto ok = runCommand({"ip", "netns", "add", netns}, env->root_ + "/ip.log"); !ok)
    return fail(ok.error());
  env->netnsCreated_ = true;
  if (auto ok = runCommand({"ip", "netns", "exec", netns, "ip", "link", "set", "lo", "up"},
                           env->root_ + "/ip.log");
      !ok) {
    return fail(ok.error());
  }
  auto virtlogd =
      env->spawnDaemon({"virtlogd", "--pid-file", "/run/libvirt/virtlogd.pid"}, "virtlogd.log");
  if (!virtlogd) return fail(virtlogd.error());
  env->virtlogd_ = *virtlogd;
  if (auto ok = env->waitForSocket(env->root_ + "/run/virtlogd-sock"); !ok) return fail(ok.error());
  if (auto ok = env->startLibvirtd(); !ok) return fail(ok.error());
  return env;
}

Result<pid_t> PrivateLibvirtd::spawnDaemon(const std::vector<std::string>& argv,
                                           const std::string& log) {
  // Everything the child needs is prepared before fork: after it, only system calls.
  const std::string netnsPath = "/run/netns/" + netns_;
  const std::string logPath = root_ + "/" + log;
  std::vector<std::pair<std::string, std::string>> binds;
  binds.reserve(std::size(kPrivateMounts));
  for (const auto& [dir, target] : kPrivateMounts) binds.emplace_back(root_ + "/" + dir, target);
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const bool hasKvm = access("/dev/kvm", F_OK) == 0;
  const std::string kvmMask = root_ + "/kvm-masked";
  writeText(kvmMask, "");

  pid_t pid = fork();
  if (pid < 0) return fail(ErrorKind::Internal, "e2e_setup_failed", "fork failed");
  if (pid == 0) {
    int netnsFd = open(netnsPath.c_str(), O_RDONLY | O_CLOEXEC);
    if (netnsFd < 0 || setns(netnsFd, CLONE_NEWNET) != 0) _exit(120);
    if (unshare(CLONE_NEWNS) != 0) _exit(121);
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) _exit(122);
    umount2("/sys", MNT_DETACH);  // sysfs shows the namespace it was mounted in
    if (mount("sysfs", "/sys", "sysfs", 0, nullptr) != 0) _exit(123);
    for (const auto& [from, to] : binds) {
      if (mount(from.c_str(), to.c_str(), nullptr, MS_BIND, nullptr) != 0) _exit(124);
    }
    // Mask /dev/kvm with a read-only regular file: access(W_OK) then fails even for root
    // (EROFS), so libvirt records KVM as unusable once and keeps its capability cache instead
    // of re-probing QEMU (~25 s under TCG) before every domain start.
    if (hasKvm &&
        (mount(kvmMask.c_str(), "/dev/kvm", nullptr, MS_BIND, nullptr) != 0 ||
         mount(nullptr, "/dev/kvm", nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) != 0)) {
      _exit(125);
    }
    int logFd = open(logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (logFd >= 0) {
      dup2(logFd, 1);
      dup2(logFd, 2);
    }
    int devNull = open("/dev/null", O_RDONLY);
    if (devNull >= 0) dup2(devNull, 0);
    setsid();
    execvp(args[0], args.data());
    _exit(127);
  }
  return pid;
}

Result<void> PrivateLibvirtd::waitForSocket(const std::string& path) {
  for (int i = 0; i < 600; ++i) {
    struct stat info {};
    if (stat(path.c_str(), &info) == 0 && S_ISSOCK(info.st_mode)) return {};
    std::this_thread::sleep_for(50ms);
  }
  return fail(ErrorKind::Unavailable, "e2e_daemon_not_ready",
              "no socket at " + path + " after 30 s; see logs in " + root_);
}

Result<void> PrivateLibvirtd::startLibvirtd() {
  if (libvirtd_ > 0) return {};
  unlink((root_ + "/run/libvirt-sock").c_str());
  auto pid = spawnDaemon({"libvirtd", "--pid-file", "/run/libvirt/libvirtd.pid"}, "libvirtd.log");
  if (!pid) return fail(pid.error());
  libvirtd_ = *pid;
  return waitForSocket(root_ + "/run/libvirt-sock");
}

Result<void> PrivateLibvirtd::freezeLibvirtd() {
  if (libvirtd_ <= 0 || ::kill(libvirtd_, SIGSTOP) != 0) {
    return fail(ErrorKind::Internal, "freeze_failed", "libvirtd is not running");
  }
  return {};
}

Result<void> PrivateLibvirtd::thawLibvirtd() {
  if (libvirtd_ <= 0 || ::kill(libvirtd_, SIGCONT) != 0) {
    return fail(ErrorKind::Internal, "thaw_failed", "libvirtd is not running");
  }
  return {};
}

Result<void> PrivateLibvirtd::stopLibvirtd() {
  if (libvirtd_ > 0) ::kill(libvirtd_, SIGCONT);  // a frozen daemon must see the SIGTERM
  stopChild(libvirtd_, 30s, "libvirtd");
  libvirtd_ = -1;
  return {};
}

Result<pid_t> PrivateLibvirtd::qemuPid(const std::string& domainName) const {
  std::ifstream in(root_ + "/run/qemu/" + domainName + ".pid");
  pid_t pid = 0;
  if (!(in >> pid) || pid <= 0) {
    return fail(ErrorKind::NotFound, "qemu_pid_missing", "no QEMU pid file for " + domainName);
  }
  return pid;
}

PrivateLibvirtd::~PrivateLibvirtd() {
  std::error_code ec;
  if (fs::exists(root_ + "/run/qemu", ec)) {
    for (const auto& entry : fs::directory_iterator(root_ + "/run/qemu", ec)) {
      if (entry.path().extension() != ".pid") continue;
      std::ifstream in(entry.path());
      pid_t pid = 0;
      if (in >> pid && pid > 0) kill(pid, SIGKILL);
    }
  }
  (void)stopLibvirtd();
  stopChild(virtlogd_, 10s, "virtlogd");
  if (netnsCreated_) (void)runCommand({"ip", "netns", "del", netns_});
  if (std::getenv("STELE_E2E_KEEP") == nullptr) fs::remove_all(root_, ec);
}

}  // namespace stele::hypervisor::e2e
