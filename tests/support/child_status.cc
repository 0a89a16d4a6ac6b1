#include "tests/support/child_status.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

extern char** environ;

namespace stele::testing {

namespace {

std::string withLogPath(const char* variable, const std::string& path) {
  const char* current = std::getenv(variable);
  std::string value = current != nullptr ? current : "";
  if (!value.empty()) value += ':';
  return value + "log_path=" + path;
}

std::string readAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::map<std::string, std::string> sanitizerEnvironment(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  return {{"ASAN_OPTIONS", withLogPath("ASAN_OPTIONS", dir + "/asan")},
          {"UBSAN_OPTIONS", withLogPath("UBSAN_OPTIONS", dir + "/ubsan")},
          {"LSAN_OPTIONS", withLogPath("LSAN_OPTIONS", dir + "/lsan")}};
}

std::string sanitizerReports(const std::string& dir) {
  std::error_code ec;
  std::string reports;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (!name.starts_with("asan.") && !name.starts_with("ubsan.") && !name.starts_with("lsan."))
      continue;
    std::string text = readAll(entry.path());
    if (!text.empty()) reports += "--- " + entry.path().string() + "\n" + text;
  }
  return reports;
}

std::string describeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int signal = WTERMSIG(status);
    return "signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
  }
  return "wait status " + std::to_string(status);
}

Environment::Environment(const std::map<std::string, std::string>& extra) {
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string text = *entry;
    if (!extra.contains(text.substr(0, text.find('=')))) entries_.push_back(text);
  }
  for (const auto& [key, value] : extra) {
    std::string entry = key;
    entry += '=';
    entry += value;
    entries_.push_back(std::move(entry));
  }
  for (auto& entry : entries_) pointers_.push_back(entry.data());
  pointers_.push_back(nullptr);
}

int reapWithin(pid_t pid, std::chrono::milliseconds grace, bool* forced) {
  auto deadline = std::chrono::steady_clock::now() + grace;
  int status = 0;
  *forced = false;
  while (true) {
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return status;
    if (done < 0 && errno != EINTR) return -1;
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  *forced = true;
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

void expectCleanEnd(const std::string& what, int status, const std::vector<int>& expected,
                    const std::string& dir, const std::string& log) {
  bool expectedStatus = std::find(expected.begin(), expected.end(), status) != expected.end();
  std::string reports = sanitizerReports(dir);
  EXPECT_TRUE(expectedStatus) << what << " ended with " << describeWaitStatus(status)
                              << "\n--- its log:\n"
                              << log;
  EXPECT_EQ(reports, "") << what << " wrote sanitizer reports";
}

}  // namespace stele::testing
