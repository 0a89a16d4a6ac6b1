#include "web/http_request_parser.h"

#include <charconv>

namespace stele::services::web {

namespace {

bool isTokenChar(unsigned char c) {
  if (c >= 'a' && c <= 'z') return true;
  if (c >= 'A' && c <= 'Z') return true;
  if (c >= '0' && c <= '9') return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool isToken(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text)
    if (!isTokenChar(static_cast<unsigned char>(c))) return false;
  return true;
}

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view trimWhitespace(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Drops one trailing '\r' (lines end in CRLF; a bare LF is tolerated).
std::string_view withoutCr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

ParseResult error(int status, std::string_view reason) {
  ParseResult result;
  result.status = ParseStatus::Error;
  result.errorStatus = status;
  result.errorReason = reason;
  return result;
}

bool connectionHasToken(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    std::size_t comma = value.find(',');
    std::string_view item = trimWhitespace(value.substr(0, comma));
    if (equalsIgnoringCase(item, token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

std::optional<std::string_view> pathOfTarget(std::string_view target) {
  if (target.front() != '/') {
    // absolute-form: scheme://authority/path
    std::size_t scheme = target.find("://");
    if (scheme == std::string_view::npos || scheme == 0) return std::nullopt;
    std::size_t slash = target.find('/', scheme + 3);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  std::size_t end = target.find_first_of("?#");
  return target.substr(0, end);
}

}  // namespace

ParseResult parseHttpRequest(std::string_view buffer, const HttpLimits& limits) {
  ParseResult incomplete;
  // RFC 9112 2.2: ignore empty lines before the request line.
  std::size_t start = 0;
  while (start < buffer.size() && (buffer[start] == '\r' || buffer[start] == '\n') && start < 8)
    ++start;
  std::string_view input = buffer.substr(start);
  std::size_t lineEnd = input.find('\n');
  if (lineEnd == std::string_view::npos) {
    if (input.size() > limits.maxRequestLine) return error(414, "request line too long");
    return incomplete;
  }
  if (lineEnd > limits.maxRequestLine) return error(414, "request line too long");
  std::string_view requestLine = withoutCr(input.substr(0, lineEnd));
  std::size_t firstSpace = requestLine.find(' ');
  std::size_t lastSpace = requestLine.rfind(' ');
  if (firstSpace == std::string_view::npos || firstSpace == lastSpace)
    return error(400, "malformed request line");
  HttpRequest request;
  request.method = requestLine.substr(0, firstSpace);
  request.target = requestLine.substr(firstSpace + 1, lastSpace - firstSpace - 1);
  std::string_view version = requestLine.substr(lastSpace + 1);
  if (!isToken(request.method) || request.method.size() > 32) return error(400, "malformed method");
  if (request.target.empty()) return error(400, "empty request target");
  if (request.target.size() > limits.maxTarget) return error(414, "request target too long");
  for (char c : request.target) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return error(400, "bad character in request target");
  }
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9')
    return error(400, "malformed HTTP version");
  if (version[5] != '1') return error(505, "HTTP version not supported");
  request.versionMinor = version[7] - '0';
  if (request.target == "*") {
    request.path = request.target;
  } else {
    auto path = pathOfTarget(request.target);
    if (!path) return error(400, "bad request target");
    request.path = *path;
  }

  // The header section ends at the first empty line.
  std::size_t headersStart = lineEnd + 1;
  std::size_t headerEnd = std::string_view::npos;  // offset in input just past the empty line
  std::size_t position = headersStart;
  std::size_t headerCount = 0;
  bool sawContentLength = false, sawTransferEncoding = false, closeRequested = false,
       keepAliveRequested = false;
  while (true) {
    if (position > limits.maxHeaderBytes) return error(431, "header section too large");
    std::size_t end = input.find('\n', position);
    if (end == std::string_view::npos) {
      if (input.size() > limits.maxHeaderBytes) return error(431, "header section too large");
      return incomplete;
    }
    std::string_view line = withoutCr(input.substr(position, end - position));
    position = end + 1;
    if (line.empty()) {
      headerEnd = position;
      break;
    }
    if (position > limits.maxHeaderBytes) return error(431, "header section too large");
    if (++headerCount > limits.maxHeaderCount) return error(431, "too many header fields");
    if (line.front() == ' ' || line.front() == '\t') return error(400, "obsolete line folding");
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return error(400, "header line without colon");
    std::string_view name = line.substr(0, colon);
    if (!isToken(name)) return error(400, "malformed header name");
    std::string_view value = trimWhitespace(line.substr(colon + 1));
    for (char c : value) {
      auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && u != '\t') || u == 0x7f)
        return error(400, "control character in header value");
    }
    if (equalsIgnoringCase(name, "host")) {
      if (request.host) return error(400, "more than one Host header");
      request.host = value;
    } else if (equalsIgnoringCase(name, "content-length")) {
      std::size_t length = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
      if (value.empty() || ec != std::errc() || ptr != value.data() + value.size() ||
          value.front() == '+')
        return error(400, "malformed Content-Length");
      if (sawContentLength && length != request.contentLength)
        return error(400, "conflicting Content-Length headers");
      sawContentLength = true;
      request.contentLength = length;
    } else if (equalsIgnoringCase(name, "transfer-encoding")) {
      sawTransferEncoding = true;
    } else if (equalsIgnoringCase(name, "connection")) {
      closeRequested = closeRequested || connectionHasToken(value, "close");
      keepAliveRequested = keepAliveRequested || connectionHasToken(value, "keep-alive");
    }
  }
  if (sawTransferEncoding && sawContentLength)
    return error(400, "both Transfer-Encoding and Content-Length");
  if (request.versionMinor >= 1 && !request.host)
    return error(400, "HTTP/1.1 request without Host");
  if (sawTransferEncoding) return error(501, "Transfer-Encoding not supported");
  if (request.contentLength > limits.maxBody) return error(413, "request body too large");
  request.keepAlive =
      request.versionMinor >= 1 ? !closeRequested : (keepAliveRequested && !closeRequested);
  if (input.size() - headerEnd < request.contentLength) return incomplete;
  ParseResult result;
  result.status = ParseStatus::Complete;
  result.request = request;
  result.consumed = start + headerEnd + request.contentLength;
  return result;
}

}  // namespace stele::services::web
