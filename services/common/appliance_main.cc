#include "common/appliance_main.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/interface_setup.h"

namespace stele::services {

void writeConsoleLine(const std::string& line) {
  std::string text = line + "\n";
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(STDERR_FILENO, text.data() + done, text.size() - done);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      return;
    }
    done += static_cast<std::size_t>(n);
  }
}

namespace {

void writeStdoutLine(const std::string& line) {
  std::string text = line + "\n";
  if (write(STDOUT_FILENO, text.data(), text.size()) < 0) writeConsoleLine(line);
}

std::expected<std::string, std::string> readWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// PID 1 may start without stdin/stdout/stderr when the initramfs lacks /dev/console.
void attachConsole() {
  if (fcntl(STDERR_FILENO, F_GETFD) != -1 && fcntl(STDOUT_FILENO, F_GETFD) != -1) return;
  int console = open("/dev/console", O_RDWR | O_NOCTTY);
  if (console < 0) return;
  for (int fd = 0; fd <= 2; ++fd)
    if (fcntl(fd, F_GETFD) == -1) dup2(console, fd);
  if (console > 2) close(console);
}

void mountPseudoFilesystems() {
  mkdir("/proc", 0755);
  mkdir("/sys", 0755);
  mkdir("/dev", 0755);
  mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
  mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
  mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, nullptr);
}

[[noreturn]] void powerOff(const std::string& kind, const std::string& reason) {
  writeConsoleLine("stele-appliance: " + kind + " fatal: " + reason);
  sync();
  reboot(RB_POWER_OFF);
  for (;;) pause();  // reboot only fails without CAP_SYS_BOOT; PID 1 must not exit
}

int runVirtualMachine(const std::string& kind, const ApplianceHooks& hooks) {
  mountPseudoFilesystems();
  attachConsole();
  auto text = readWholeFile(kFwCfgConfigPath);
  if (!text) powerOff(kind, "no config: " + text.error());
  auto setup = hooks.load(*text);
  if (!setup) powerOff(kind, setup.error());
  if (auto applied = applyKernelNetworkSetup(*setup); !applied) powerOff(kind, applied.error());
  if (auto started = hooks.start(BootMode::VirtualMachine); !started)
    powerOff(kind, started.error());
  writeConsoleLine("stele-appliance: " + kind + " ready");
  powerOff(kind, hooks.serve());
}

int runProcess(int argc, char** argv, const std::string& kind, const std::string& usage,
               const ApplianceHooks& hooks) {
  std::string configPath;
  bool checkOnly = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      writeStdoutLine(usage);
      return 0;
    }
    if (arg == "--check") {
      checkOnly = true;
    } else if (arg == "--config" && i + 1 < argc) {
      configPath = argv[++i];
    } else {
      writeConsoleLine("stele-" + kind + ": unknown argument '" + (arg + "' (try --help)"));
      return 2;
    }
  }
  if (configPath.empty()) {
    writeConsoleLine("stele-" + kind + ": --config FILE is required (try --help)");
    return 2;
  }
  auto text = readWholeFile(configPath);
  if (!text) {
    writeConsoleLine("stele-" + kind + ": " + text.error());
    return 1;
  }
  auto setup = hooks.load(*text);
  if (!setup) {
    writeConsoleLine("stele-" + kind + ": " + configPath + ": " + setup.error());
    return 1;
  }
  if (checkOnly) {
    writeStdoutLine("stele-" + kind + ": " + configPath + ": config is valid");
    return 0;
  }
  if (auto started = hooks.start(BootMode::Process); !started) {
    writeConsoleLine("stele-" + kind + ": " + started.error());
    return 1;
  }
  writeStdoutLine("stele-appliance: " + kind + " ready");
  writeConsoleLine("stele-" + kind + ": fatal: " + hooks.serve());
  return 1;
}

}  // namespace

int runAppliance(int argc, char** argv, const std::string& kind, const std::string& usage,
                 const ApplianceHooks& hooks) {
  std::signal(SIGPIPE, SIG_IGN);
  if (getpid() == 1) return runVirtualMachine(kind, hooks);
  return runProcess(argc, argv, kind, usage, hooks);
}

}  // namespace stele::services
