// A real `stele server` process on 127.0.0.1 with its own data directory, for API tests.
// Started on a free port; stopped (SIGTERM, then SIGKILL) when the object goes away.
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

  // Starts the server on the same data dir and port (after a crash or stop).
  void start();
  // Environment for the next start().
  void setEnvironment(std::map<std::string, std::string> env) { env_ = std::move(env); }
  void kill9();
  void stop();
  bool running() const { return pid_ > 0; }
  // Waits for the process to exit on its own (e.g. after a crashpoint) and reaps it.
  int waitExit();
  // As waitExit, but gives up after `timeout`: -1 then, and the process is left running.
  int waitExitFor(std::chrono::milliseconds timeout);

  // https when started with --tls-cert (clients then trust that certificate).
  std::string url() const {
    return std::string(tlsCert_.empty() ? "http" : "https") +
           "://127.0.0.1:" + std::to_string(port_);
  }
  int port() const { return port_; }
  const std::string& dataDir() const { return dataDir_; }
  const std::string& adminToken() const { return adminToken_; }
  cli::HttpClient client(const std::string& token) const;
  cli::HttpClient admin() const { return client(adminToken_); }
  std::string logText() const;

 private:
  TempDir dir_;
  std::string dataDir_;
  std::vector<std::string> extraArgs_;
  std::map<std::string, std::string> env_;
  std::string tlsCert_;
  int port_ = 0;
  pid_t pid_ = -1;
  std::string adminToken_;
};

// A free TCP port on 127.0.0.1 (bound then released).
int freePort();

}  // namespace stele::testing
