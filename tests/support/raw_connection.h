// A plain TCP connection to a local server for tests that speak HTTP byte by byte: partial
// heads, malformed framing, bodies sent slowly. Every wait has a limit.
#pragma once

#include <chrono>
#include <string>

namespace stele::testing {

class RawConnection {
 public:
  // Connects to 127.0.0.1:port; connected() tells whether that worked.
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // False once the peer has closed or reset the connection.
  bool send(const std::string& bytes);
  // The next whole response (head + Content-Length body; what follows it is kept for the
  // next call), or what arrived before the peer closed or `limit` passed.
  std::string readResponse(std::chrono::milliseconds limit);
  // Everything that arrives until the peer closes, or until nothing arrives for `quiet`.
  std::string readUntilClosed(std::chrono::milliseconds quiet);
  // True when the server ends the connection (EOF or reset) before `limit` passes; bytes
  // that arrive meanwhile are dropped.
  bool closedWithin(std::chrono::milliseconds limit);

 private:
  int fd_ = -1;
  std::string pending_;
};

// The status of an HTTP response's first line, or 0.
int statusOf(const std::string& response);
// The body after the head, or "".
std::string bodyOf(const std::string& response);

}  // namespace stele::testing
