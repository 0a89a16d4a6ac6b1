// A request left half-sent on a connection to a local server, for crash tests: the bytes are
// sent, and waitUntilServerRead() returns once the server process has read all of them out
// of its socket (its receive queue in /proc/net/tcp is empty and ours has nothing unsent),
// so the test knows the partial request reached the server before it kills it.
#pragma once

#include <chrono>
#include <string>

namespace stele::testing {

class HalfSentRequest {
 public:
  // Connects to 127.0.0.1:port and sends `bytes`; connected() tells whether that worked.
  HalfSentRequest(int port, const std::string& bytes);
  ~HalfSentRequest();
  HalfSentRequest(const HalfSentRequest&) = delete;
  HalfSentRequest& operator=(const HalfSentRequest&) = delete;

  bool connected() const { return sent_; }
  // True once the server has read every byte sent; false if `limit` passed first.
  bool waitUntilServerRead(std::chrono::milliseconds limit) const;

 private:
  int fd_ = -1;
  int serverPort_ = 0;
  int localPort_ = 0;
  bool sent_ = false;
};

}  // namespace stele::testing
