// Test harness for process-level appliance tests: runs commands, creates uniquely named
// network namespaces joined by veth pairs (removed on destruction, even after a failed
// assertion), and runs an appliance inside a namespace until the test ends.
//
// Network rule: every address used here lives inside namespaces the harness creates
// (TEST-NET ranges); no route leads out of them.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace stele::services::testing {

struct CommandResult {
  int exitCode = -1;
  std::string output;  // stdout and stderr together
};

// Runs argv (no shell) and waits for it, at most timeoutSeconds.
CommandResult run(const std::vector<std::string>& argv, int timeoutSeconds = 30);
// Runs argv inside namespace `ns`.
CommandResult runIn(const std::string& ns, std::vector<std::string> argv, int timeoutSeconds = 30);

bool haveRootAndIp();
std::string binaryPath(const std::string& kind);  // stele-web, ...

// A set of namespaces with a unique prefix; deletes them all on destruction.
class NamespaceSet {
 public:
  NamespaceSet();
  ~NamespaceSet();
  NamespaceSet(const NamespaceSet&) = delete;
  NamespaceSet& operator=(const NamespaceSet&) = delete;

  // Creates namespace `<prefix><suffix>` with lo up; returns its name.
  std::string add(const std::string& suffix);
  // Joins two namespaces with a veth pair named <prefix><endA>/<prefix><endB>, both up;
  // returns the interface names.
  std::pair<std::string, std::string> link(const std::string& nsA, const std::string& endA,
                                           const std::string& nsB, const std::string& endB);
  void addAddress(const std::string& ns, const std::string& interface, const std::string& cidr);
  void addDefaultRoute(const std::string& ns, const std::string& gateway);
  const std::string& prefix() const { return prefix_; }

 private:
  std::string prefix_;
  std::vector<std::string> namespaces_;
};

// Adds a server's and a client's namespace to `namespaces`, joined by one veth pair whose
// ends get serverCidr and clientCidr; returns their names (server, client).
std::pair<std::string, std::string> linkServerAndClient(NamespaceSet& namespaces,
                                                        const std::string& serverCidr,
                                                        const std::string& clientCidr);

// An appliance process in a namespace; ended on destruction, when the test fails unless it
// was still running, ended by SIGTERM and wrote no sanitizer report (ASan/UBSan log_path
// in its own directory). An appliance that exited early fails the test the same way.
class ApplianceProcess {
 public:
  ApplianceProcess(const std::string& ns, const std::string& kind, const std::string& configText);
  ~ApplianceProcess();
  ApplianceProcess(const ApplianceProcess&) = delete;
  ApplianceProcess& operator=(const ApplianceProcess&) = delete;

  // Waits until the process printed its ready line (false if it exited or timed out).
  bool waitReady(int timeoutSeconds = 15);
  bool alive();
  pid_t pid() const { return pid_; }
  std::string stdoutText() const;
  std::string stderrText() const;
  // Waits until stderr contains `needle` (false after timeoutSeconds).
  bool waitForStderr(const std::string& needle, int timeoutSeconds = 10);

 private:
  void expectCleanEnd(int status, const std::vector<int>& expected);

  std::string kind_;
  pid_t pid_ = -1;
  bool exited_ = false;
  int exitStatus_ = 0;
  std::string directory_;
};

// Sends raw bytes over TCP from inside `ns` and returns all bytes received until the
// server closes or timeoutSeconds pass.
std::string tcpExchange(const std::string& ns, const std::string& address, int port,
                        const std::string& request, int timeoutSeconds = 5);
// Sends one UDP datagram from inside `ns`; returns the reply ("" on timeout).
std::string udpExchange(const std::string& ns, const std::string& address, int port,
                        const std::string& payload, int timeoutSeconds = 2);

bool contains(const std::string& haystack, const std::string& needle);

// Runs `body` on a thread that has joined namespace `ns`, and waits for it.
void runInNamespace(const std::string& ns, const std::function<void()>& body);

// Writes `text` to a fresh temporary file and returns its path (caller unlinks).
std::string writeTempFile(const std::string& text);

// Runs `stele-KIND [extraArguments...] --config FILE` (outside any namespace) on a
// temporary file holding configText, and waits for it to exit.
CommandResult runWithConfig(const std::string& kind, const std::string& configText,
                            const std::vector<std::string>& extraArguments = {});

}  // namespace stele::services::testing
