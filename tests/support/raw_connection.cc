#include "tests/support/raw_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace stele::testing {
namespace {

using Clock = std::chrono::steady_clock;

int millisLeft(Clock::time_point end) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

// The length of the whole response at the start of `text` (head and Content-Length bytes
// of body), or 0 while it is incomplete.
std::size_t wholeResponse(const std::string& text) {
  auto end = text.find("\r\n\r\n");
  if (end == std::string::npos) return 0;
  std::string head = text.substr(0, end);
  for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto at = head.find("content-length:");
  std::size_t length = at == std::string::npos ? 0 : std::stoul(head.substr(at + 15));
  return text.size() >= end + 4 + length ? end + 4 + length : 0;
}

}  // namespace

RawConnection::RawConnection(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::send(const std::string& bytes) {
  std::size_t sent = 0;
  while (fd_ >= 0 && sent < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return fd_ >= 0;
}

std::string RawConnection::readResponse(std::chrono::milliseconds limit) {
  auto end = Clock::now() + limit;
  char buffer[4096];
  while (fd_ >= 0 && wholeResponse(pending_) == 0) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, millisLeft(end)) <= 0) break;
    ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    pending_.append(buffer, static_cast<std::size_t>(n));
  }
  std::size_t length = wholeResponse(pending_);
  std::string out = length == 0 ? std::move(pending_) : pending_.substr(0, length);
  pending_ = length == 0 ? std::string() : pending_.substr(length);
  return out;
}

std::string RawConnection::readUntilClosed(std::chrono::milliseconds quiet) {
  std::string out = std::move(pending_);
  pending_.clear();
  char buffer[4096];
  pollfd p{fd_, POLLIN, 0};
  while (fd_ >= 0 && ::poll(&p, 1, static_cast<int>(quiet.count())) > 0) {
    ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

bool RawConnection::closedWithin(std::chrono::milliseconds limit) {
  auto end = Clock::now() + limit;
  char buffer[4096];
  while (fd_ >= 0) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, millisLeft(end)) <= 0) return false;
    if (::recv(fd_, buffer, sizeof buffer, 0) <= 0) return true;
  }
  return false;
}

int statusOf(const std::string& response) {
  if (response.rfind("HTTP/1.1 ", 0) != 0 || response.size() < 12) return 0;
  return std::atoi(response.substr(9, 3).c_str());
}

std::string bodyOf(const std::string& response) {
  auto end = response.find("\r\n\r\n");
  return end == std::string::npos ? "" : response.substr(end + 4);
}

}  // namespace stele::testing
