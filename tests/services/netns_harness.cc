#include "netns_harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/child_status.h"

extern char** environ;

namespace stele::services::testing {

namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

pid_t spawn(const std::vector<std::string>& argv, const std::string& outPath,
            const std::string& errPath, char** envp = environ) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  if (errPath == outPath)
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
  else
    posix_spawn_file_actions_addopen(&actions, 2, errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), envp) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

std::string makeTempDir() {
  char pattern[] = "/tmp/stele-services-test-XXXXXX";
  char* dir = mkdtemp(pattern);
  return dir ? dir : "/tmp";
}

std::atomic<int> namespaceCounter{0};

// Runs `body` on a thread that has joined namespace `ns` (setns affects only that thread).
template <class Body>
void inNamespace(const std::string& ns, Body body) {
  std::thread worker([&] {
    int fd = open(("/var/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    bool joined = setns(fd, CLONE_NEWNET) == 0;
    close(fd);
    if (joined) body();
  });
  worker.join();
}

sockaddr_in endpoint(const std::string& address, int port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, address.c_str(), &sa.sin_addr);
  return sa;
}

}  // namespace

void runInNamespace(const std::string& ns, const std::function<void()>& body) {
  inNamespace(ns, body);
}

std::string writeTempFile(const std::string& text) {
  char pattern[] = "/tmp/stele-services-file-XXXXXX";
  int fd = mkstemp(pattern);
  if (fd < 0) return "";
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  close(fd);
  return pattern;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

CommandResult run(const std::vector<std::string>& argv, int timeoutSeconds) {
  std::string dir = makeTempDir();
  std::string out = dir + "/out";
  CommandResult result;
  pid_t pid = spawn(argv, out, out);
  if (pid < 0) {
    result.output = "cannot start " + argv[0];
    rmdir(dir.c_str());
    return result;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeoutSeconds);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.output = readFile(out);
  unlink(out.c_str());
  rmdir(dir.c_str());
  return result;
}

CommandResult runIn(const std::string& ns, std::vector<std::string> argv, int timeoutSeconds) {
  argv.insert(argv.begin(), {"ip", "netns", "exec", ns});
  return run(argv, timeoutSeconds);
}

bool haveRootAndIp() { return geteuid() == 0 && run({"ip", "netns", "list"}).exitCode == 0; }

std::string binaryPath(const std::string& kind) {
  return std::string(STELE_SERVICES_BIN_DIR) + "/stele-" + kind;
}

NamespaceSet::NamespaceSet() {
  char id[32];
  std::snprintf(id, sizeof id, "sv%05x%02x", static_cast<unsigned>(getpid()) & 0xfffff,
                static_cast<unsigned>(namespaceCounter++) & 0xff);
  prefix_ = id;
}

NamespaceSet::~NamespaceSet() {
  for (auto it = namespaces_.rbegin(); it != namespaces_.rend(); ++it)
    run({"ip", "netns", "del", *it});
}

std::string NamespaceSet::add(const std::string& suffix) {
  std::string name = prefix_ + suffix;
  run({"ip", "netns", "add", name});
  namespaces_.push_back(name);
  runIn(name, {"ip", "link", "set", "lo", "up"});
  // Belt and braces: the kernel of a test namespace never forwards for us.
  runIn(name, {"sysctl", "-qw", "net.ipv4.ip_forward=0"});
  return name;
}

std::pair<std::string, std::string> NamespaceSet::link(const std::string& nsA,
                                                       const std::string& endA,
                                                       const std::string& nsB,
                                                       const std::string& endB) {
  std::string a = prefix_ + endA, b = prefix_ + endB;
  run({"ip", "link", "add", a, "netns", nsA, "type", "veth", "peer", "name", b, "netns", nsB});
  runIn(nsA, {"ip", "link", "set", a, "up"});
  runIn(nsB, {"ip", "link", "set", b, "up"});
  return {a, b};
}

void NamespaceSet::addAddress(const std::string& ns, const std::string& interface,
                              const std::string& cidr) {
  runIn(ns, {"ip", "addr", "add", cidr, "dev", interface});
}

void NamespaceSet::addDefaultRoute(const std::string& ns, const std::string& gateway) {
  runIn(ns, {"ip", "route", "add", "default", "via", gateway});
}

ApplianceProcess::ApplianceProcess(const std::string& ns, const std::string& kind,
                                   const std::string& configText)
    : kind_(kind), directory_(makeTempDir()) {
  std::string config = directory_ + "/config";
  std::ofstream(config) << configText;
  // `ip netns exec` passes the environment on, so the appliance's sanitizer runtime writes
  // its reports under directory_/sanitizer.
  stele::testing::Environment environment(
      stele::testing::sanitizerEnvironment(directory_ + "/sanitizer"));
  pid_ = spawn({"ip", "netns", "exec", ns, binaryPath(kind), "--config", config},
               directory_ + "/stdout", directory_ + "/stderr", environment.envp());
  EXPECT_GT(pid_, 0) << "cannot start stele-" << kind;
}

// The appliance runs until the test ends: it must still be running then (an appliance in
// process mode only exits on a fatal error), end by our SIGTERM within 2 s (it has no
// handler, so that is its normal end), and have written no sanitizer report.
ApplianceProcess::~ApplianceProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    bool forced = false;
    int status = stele::testing::reapWithin(pid_, std::chrono::seconds(2), &forced);
    EXPECT_FALSE(forced) << "the appliance did not end within 2 s of SIGTERM";
    expectCleanEnd(status, {stele::testing::killedBy(SIGTERM)});
  } else if (exited_) {
    expectCleanEnd(exitStatus_, {});
  }
  std::error_code ec;
  std::filesystem::remove_all(directory_, ec);
}

void ApplianceProcess::expectCleanEnd(int status, const std::vector<int>& expected) {
  stele::testing::expectCleanEnd("stele-" + kind_, status, expected, directory_ + "/sanitizer",
                                 stdoutText() + stderrText());
}

bool ApplianceProcess::alive() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    exited_ = true;
    exitStatus_ = status;
    return false;
  }
  return true;
}

bool ApplianceProcess::waitReady(int timeoutSeconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeoutSeconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (contains(stdoutText(), " ready")) return true;
    if (!alive()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

bool ApplianceProcess::waitForStderr(const std::string& needle, int timeoutSeconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeoutSeconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (contains(stderrText(), needle)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::string ApplianceProcess::stdoutText() const { return readFile(directory_ + "/stdout"); }
std::string ApplianceProcess::stderrText() const { return readFile(directory_ + "/stderr"); }

std::string tcpExchange(const std::string& ns, const std::string& address, int port,
                        const std::string& request, int timeoutSeconds) {
  std::string received;
  inNamespace(ns, [&] {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa = endpoint(address, port);
    if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      close(fd);
      return;
    }
    std::size_t sent = 0;
    while (sent < request.size()) {
      ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeoutSeconds);
    char buffer[16384];
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      ssize_t n = recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      received.append(buffer, static_cast<std::size_t>(n));
    }
    close(fd);
  });
  return received;
}

std::string udpExchange(const std::string& ns, const std::string& address, int port,
                        const std::string& payload, int timeoutSeconds) {
  std::string received;
  inNamespace(ns, [&] {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa = endpoint(address, port);
    sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, timeoutSeconds * 1000) > 0) {
      char buffer[65536];
      ssize_t n = recv(fd, buffer, sizeof buffer, 0);
      if (n > 0) received.assign(buffer, static_cast<std::size_t>(n));
    }
    close(fd);
  });
  return received;
}

std::pair<std::string, std::string> linkServerAndClient(NamespaceSet& namespaces,
                                                        const std::string& serverCidr,
                                                        const std::string& clientCidr) {
  std::string server = namespaces.add("s");
  std::string client = namespaces.add("c");
  auto [serverEnd, clientEnd] = namespaces.link(server, "s0", client, "c0");
  namespaces.addAddress(server, serverEnd, serverCidr);
  namespaces.addAddress(client, clientEnd, clientCidr);
  return {server, client};
}

CommandResult runWithConfig(const std::string& kind, const std::string& configText,
                            const std::vector<std::string>& extraArguments) {
  std::string path = writeTempFile(configText);
  std::vector<std::string> argv = {binaryPath(kind)};
  argv.insert(argv.end(), extraArguments.begin(), extraArguments.end());
  argv.insert(argv.end(), {"--config", path});
  CommandResult result = run(argv);
  unlink(path.c_str());
  return result;
}

}  // namespace stele::services::testing
