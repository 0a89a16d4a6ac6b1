#include "scheduler/health/http_probe_message.h"

namespace stele::scheduler::health {

Result<std::string> buildHttpProbeRequest(const std::string& address, int port,
                                          const std::string& path) {
  bool printable = !path.empty() && path.size() <= 1024 && path[0] == '/';
  for (char c : path) printable = printable && c > 0x20 && c < 0x7f;
  if (!printable)
    return fail(ErrorKind::InvalidArgument, "health_path_invalid",
                "healthCheck.http.path: must start with '/' and hold at most 1024 printable "
                "characters without spaces");
  return "GET " + path + " HTTP/1.1\r\nHost: " + address + ":" + std::to_string(port) +
         "\r\nUser-Agent: stele-prober\r\nAccept: */*\r\nConnection: close\r\n\r\n";
}

HttpStatusLine parseHttpStatusLine(std::string_view received) {
  constexpr std::string_view kPrefix = "HTTP/1.";
  // "HTTP/1.x NNN" is 12 bytes; judge what is there before asking for more.
  std::size_t have = std::min(received.size(), kPrefix.size());
  if (received.substr(0, have) != kPrefix.substr(0, have)) return {StatusLineParse::Malformed};
  if (received.size() < 12) return {StatusLineParse::NeedMore};
  char minor = received[7], space = received[8];
  if ((minor != '0' && minor != '1') || space != ' ') return {StatusLineParse::Malformed};
  int status = 0;
  for (std::size_t i = 9; i < 12; ++i) {
    if (received[i] < '0' || received[i] > '9') return {StatusLineParse::Malformed};
    status = status * 10 + (received[i] - '0');
  }
  if (status < 100) return {StatusLineParse::Malformed};
  if (received.size() > 12 && received[12] != ' ' && received[12] != '\r')
    return {StatusLineParse::Malformed};
  return {StatusLineParse::Ok, status};
}

}  // namespace stele::scheduler::health
