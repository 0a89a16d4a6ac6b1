#include "tests/support/background_command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/run_command.h"

namespace stele::testing {

BackgroundCommand::BackgroundCommand(const std::vector<std::string>& argv,
                                     const std::map<std::string, std::string>& env) {
  int pipeFds[2];
  if (::pipe2(pipeFds, O_CLOEXEC) != 0) return;
  pid_ = ::fork();
  if (pid_ == 0) {
    int in = ::open("/dev/null", O_RDONLY);
    ::dup2(in, STDIN_FILENO);
    ::dup2(pipeFds[1], STDOUT_FILENO);
    execWithEnv(argv, env);
  }
  ::close(pipeFds[1]);
  stdout_ = pipeFds[0];
}

BackgroundCommand::~BackgroundCommand() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (stdout_ >= 0) ::close(stdout_);
}

bool BackgroundCommand::readSome(int timeoutMs) {
  pollfd p{stdout_, POLLIN, 0};
  if (::poll(&p, 1, timeoutMs) <= 0) return true;
  char buffer[4096];
  ssize_t n = ::read(stdout_, buffer, sizeof buffer);
  if (n <= 0) return false;  // the program closed its stdout (ended)
  out_.append(buffer, static_cast<std::size_t>(n));
  return true;
}

bool BackgroundCommand::waitForOutput(const std::string& text, std::chrono::milliseconds timeout,
                                      int times) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (countOf(out_, text) < times) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || stdout_ < 0) return false;
    if (!readSome(static_cast<int>(left.count()))) return countOf(out_, text) >= times;
  }
  return true;
}

int BackgroundCommand::interrupt() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGINT);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  while (stdout_ >= 0) {  // what it wrote before it ended; the pipe is at EOF after that
    pollfd p{stdout_, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0 || !readSome(0)) break;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int countOf(const std::string& haystack, const std::string& text) {
  int n = 0;
  for (auto at = haystack.find(text); at != std::string::npos;
       at = haystack.find(text, at + text.size()))
    ++n;
  return n;
}

}  // namespace stele::testing
