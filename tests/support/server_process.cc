#include "tests/support/server_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/support/child_status.h"

namespace stele::testing {

namespace {

// The port in the server's "stele server listening on http://127.0.0.1:PORT" line, if any
// line after `offset` of the log has it.
int listeningPort(const std::string& log, std::size_t offset) {
  static const std::regex line("stele server listening on https?://[0-9.]+:([0-9]+)");
  std::smatch match;
  std::string tail = offset < log.size() ? log.substr(offset) : "";
  if (!std::regex_search(tail, match, line)) return 0;
  return std::stoi(match[1].str());
}

}  // namespace

ServerProcess::ServerProcess(std::vector<std::string> extraArgs,
                             std::map<std::string, std::string> env)
    : dataDir_(dir_.file("data")), extraArgs_(std::move(extraArgs)), env_(std::move(env)) {
  for (std::size_t i = 0; i + 1 < extraArgs_.size(); ++i) {
    if (extraArgs_[i] == "--tls-cert") tlsCert_ = extraArgs_[i + 1];
  }
  start();
}

ServerProcess::~ServerProcess() { stop(); }

std::string ServerProcess::sanitizerDir() const {
  return dir_.file("sanitizer-" + std::to_string(starts_));
}

void ServerProcess::start() {
  if (pid_ > 0) throw std::logic_error("ServerProcess::start: the server is running");
  ++starts_;
  port_ = 0;
  std::vector<std::string> args = {STELE_BINARY,  "server",     "--listen",
                                   "127.0.0.1:0", "--data-dir", dataDir_};
  args.insert(args.end(), extraArgs_.begin(), extraArgs_.end());
  std::map<std::string, std::string> env = sanitizerEnvironment(sanitizerDir());
  for (const auto& [k, v] : env_) env[k] = v;
  Environment environment(env);
  std::string log = dir_.file("server.log");
  std::size_t logOffset = logText().size();
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (out < 0) ::_exit(126);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(out, STDERR_FILENO);
    ::execve(argv[0], argv.data(), environment.envp());
    ::_exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (port_ == 0) port_ = listeningPort(logText(), logOffset);
    if (port_ != 0) {
      cli::HttpClient probe(cli::ClientOptions{url(), "", tlsCert_, 5});
      auto r = probe.request("GET", "/healthz");
      if (r && r->status == 200) {
        std::ifstream token(dataDir_ + "/admin.token");
        std::getline(token, adminToken_);
        return;
      }
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("stele server ended at start with " + describeWaitStatus(status) +
                               ":\n" + logText() + sanitizerReports(sanitizerDir()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill9();
  throw std::runtime_error("stele server did not listen and answer /healthz in 30 s:\n" +
                           logText());
}

void ServerProcess::checkEnd(int status, const std::vector<int>& expected) {
  pid_ = -1;
  expectCleanEnd("stele server", status, expected, sanitizerDir(), logText());
}

void ServerProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  checkEnd(status, {killedBy(SIGKILL)});
}

int ServerProcess::waitExit() {
  if (pid_ <= 0) return -1;
  int status = 0;
  ::waitpid(pid_, &status, 0);
  checkEnd(status, {status});
  return status;
}

int ServerProcess::waitExitFor(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

void ServerProcess::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  bool forced = false;
  // The sanitizer runtime's leak check at exit takes a while under ASan.
  int status = reapWithin(pid_, std::chrono::seconds(10), &forced);
  EXPECT_FALSE(forced) << "stele server did not stop within 10 s of SIGTERM";
  checkEnd(status, {exitedWith(0)});
}

cli::HttpClient ServerProcess::client(const std::string& token) const {
  return cli::HttpClient(cli::ClientOptions{url(), token, tlsCert_, 60});
}

std::string ServerProcess::logText() const {
  std::ifstream in(dir_.file("server.log"));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace stele::testing
