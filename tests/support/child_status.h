// Child processes of tests: their exit status and their sanitizer reports decide the test.
// A child started by a test gets the sanitizer options of the test process plus a log_path
// in a directory of its own; when the test reaps it, a report there or an unexpected exit
// status fails the test that owned the child.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace stele::testing {

// ASAN_OPTIONS, UBSAN_OPTIONS and LSAN_OPTIONS for a child: the values this process has,
// plus log_path=DIR/asan (resp. ubsan, lsan) so reports land in files under `dir`.
std::map<std::string, std::string> sanitizerEnvironment(const std::string& dir);

// The text of every sanitizer report written under `dir` ("" if none).
std::string sanitizerReports(const std::string& dir);

// "exit 0", "signal 9 (Killed)".
std::string describeWaitStatus(int status);

// environ plus `extra` (overriding), as "K=V" strings, and a null-terminated view of them.
class Environment {
 public:
  explicit Environment(const std::map<std::string, std::string>& extra);
  char** envp() { return pointers_.data(); }

 private:
  std::vector<std::string> entries_;
  std::vector<char*> pointers_;
};

// Waits for `pid` up to `grace`; then SIGKILLs and reaps it. Returns the wait status and
// sets *forced when the SIGKILL was needed.
int reapWithin(pid_t pid, std::chrono::milliseconds grace, bool* forced);

// Fails the running test unless `status` is one of `expected` (wait statuses) and `dir`
// holds no sanitizer report. `what` names the child; `log` is shown on failure.
void expectCleanEnd(const std::string& what, int status, const std::vector<int>& expected,
                    const std::string& dir, const std::string& log = "");

// The wait status of a process that exited with `code` / was killed by `signal`.
constexpr int exitedWith(int code) { return (code & 0xff) << 8; }
constexpr int killedBy(int signal) { return signal & 0x7f; }

}  // namespace stele::testing
