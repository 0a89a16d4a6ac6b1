// A real `stele server` process on 127.0.0.1 with its own data directory, for API tests.
// It listens on port 0 and the port is read from its "listening on" line. Every end of the
// process is checked: stop() (SIGTERM) must end in exit 0 within 10 s, and any sanitizer
// report the server wrote (ASan/UBSan/LSan log_path in a directory of each start) fails the
// test that owns the object. The object stops the server when it goes away.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "cli/http_client.h"
#include "tests/support/temp_dir.h"

namespace stele::testing {

class ServerProcess {
 public:
  // `extraArgs` are appended to `stele server`; `env` is added to the environment.
  explicit ServerProcess(std::vector<std::string> extraArgs = {},
                         std::map<std::string, std::string> env = {});
  ~ServerProcess();

  // Starts the server on the same data dir (after a crash or stop); it gets a new port, so
  // clients made before must be made again.
  void start();
  // Environment for the next start().
  void setEnvironment(std::map<std::string, std::string> env) { env_ = std::move(env); }
  // SIGKILL and reap (a power cut: no sanitizer report is expected from the kill itself).
  void kill9();
  // SIGTERM; fails the test unless the server exits 0 in 10 s without sanitizer reports.
  void stop();
  bool running() const { return pid_ > 0; }
  // Waits for the process to exit on its own (e.g. after a crashpoint), reaps it, fails the
  // test on sanitizer reports, and returns the wait status for the test to check.
  int waitExit();
  // As waitExit, but gives up after `timeout`: -1 then, and the process is left running.
  int waitExitFor(std::chrono::milliseconds timeout);

  // https when started with --tls-cert (clients then trust that certificate).
  std::string url() const {
    return std::string(tlsCert_.empty() ? "http" : "https") +
           "://127.0.0.1:" + std::to_string(port_);
  }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& dataDir() const { return dataDir_; }
  const std::string& adminToken() const { return adminToken_; }
  cli::HttpClient client(const std::string& token) const;
  cli::HttpClient admin() const { return client(adminToken_); }
  std::string logText() const;

 private:
  std::string sanitizerDir() const;
  void checkEnd(int status, const std::vector<int>& expected);

  TempDir dir_;
  std::string dataDir_;
  std::vector<std::string> extraArgs_;
  std::map<std::string, std::string> env_;
  std::string tlsCert_;
  int port_ = 0;
  pid_t pid_ = -1;
  int starts_ = 0;
  std::string adminToken_;
};

}  // namespace stele::testing
