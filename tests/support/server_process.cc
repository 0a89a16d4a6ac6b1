#include "tests/support/server_process.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace stele::testing {

int freePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

ServerProcess::ServerProcess(std::vector<std::string> extraArgs,
                             std::map<std::string, std::string> env)
    : dataDir_(dir_.file("data")), extraArgs_(std::move(extraArgs)), env_(std::move(env)) {
  for (std::size_t i = 0; i + 1 < extraArgs_.size(); ++i) {
    if (extraArgs_[i] == "--tls-cert") tlsCert_ = extraArgs_[i + 1];
  }
  port_ = freePort();
  start();
}

ServerProcess::~ServerProcess() { stop(); }

void ServerProcess::start() {
  std::vector<std::string> args = {STELE_BINARY, "server",
                                   "--listen",   "127.0.0.1:" + std::to_string(port_),
                                   "--data-dir", dataDir_};
  args.insert(args.end(), extraArgs_.begin(), extraArgs_.end());
  std::string log = dir_.file("server.log");
  pid_ = ::fork();
  if (pid_ == 0) {
    FILE* out = std::fopen(log.c_str(), "a");
    ::dup2(fileno(out), STDOUT_FILENO);
    ::dup2(fileno(out), STDERR_FILENO);
    for (const auto& [k, v] : env_) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    cli::HttpClient probe(cli::ClientOptions{url(), "", tlsCert_, 5});
    auto r = probe.request("GET", "/healthz");
    if (r && r->status == 200) {
      std::ifstream token(dataDir_ + "/admin.token");
      std::getline(token, adminToken_);
      return;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("stele server exited at start:\n" + logText());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("stele server did not answer /healthz in 30 s:\n" + logText());
}

void ServerProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

int ServerProcess::waitExit() {
  if (pid_ <= 0) return -1;
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
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
  for (int i = 0; i < 250; ++i) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill9();
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
