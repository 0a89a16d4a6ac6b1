// A program (no shell) left running while a test goes on: its stdout is read as it comes, and
// the test stops it with SIGINT as a user would with Ctrl-C. Used for followers such as
// `stele get events -w`. Waits are bounded; the destructor kills what still runs.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace stele::testing {

class BackgroundCommand {
 public:
  BackgroundCommand(const std::vector<std::string>& argv,
                    const std::map<std::string, std::string>& env = {});
  ~BackgroundCommand();
  BackgroundCommand(const BackgroundCommand&) = delete;
  BackgroundCommand& operator=(const BackgroundCommand&) = delete;

  // Reads stdout until it contains `text` `times` times, or the timeout passes, or the program
  // ends; true if it was seen.
  bool waitForOutput(const std::string& text, std::chrono::milliseconds timeout, int times = 1);
  // Sends SIGINT and reaps; returns the exit status (128 + signal when killed by it).
  int interrupt();
  const std::string& out() const { return out_; }

 private:
  bool readSome(int timeoutMs);
  pid_t pid_ = -1;
  int stdout_ = -1;
  std::string out_;
};

// How many times `text` occurs in `haystack` (non-overlapping).
int countOf(const std::string& haystack, const std::string& text);

}  // namespace stele::testing
