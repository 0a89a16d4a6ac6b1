#include "api/request_head.h"

#include <charconv>
#include <vector>

#include "common/encoding.h"

namespace stele::api {
namespace {

// Headers whose repetition would let two readers disagree; a second one is refused.
constexpr std::string_view kSingleHeaders[] = {"content-length", "transfer-encoding",
                                               "authorization",  "host",
                                               "content-range",  "content-type"};

std::unexpected<Error> invalid(std::string code, std::string message) {
  return fail(ErrorKind::InvalidArgument, std::move(code), std::move(message));
}

bool isTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool isToken(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!isTokenChar(c)) return false;
  }
  return true;
}

// Field values: visible ASCII, space, tab and bytes >= 0x80; no other control byte.
bool isFieldValue(std::string_view text) {
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && u != '\t') || u == 0x7f) return false;
  }
  return true;
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trimWhitespace(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Splits at CRLF; a bare LF or CR is refused by the caller's character checks.
std::vector<std::string_view> splitLines(std::string_view head) {
  std::vector<std::string_view> lines;
  while (!head.empty()) {
    auto end = head.find("\r\n");
    if (end == std::string_view::npos) end = head.size();
    lines.push_back(head.substr(0, end));
    head.remove_prefix(std::min(head.size(), end + 2));
  }
  return lines;
}

Result<void> parseQuery(std::string_view text, RequestHead& head) {
  while (!text.empty()) {
    auto amp = text.find('&');
    std::string_view pair = text.substr(0, amp);
    text.remove_prefix(amp == std::string_view::npos ? text.size() : amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto name = percentDecode(pair.substr(0, eq));
    auto value = percentDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (!name || !value) {
      return invalid("query_invalid", "the query string has a broken %-escape");
    }
    head.query[*name] = *value;
  }
  return {};
}

Result<void> parseRequestLine(std::string_view line, RequestHead& head) {
  auto firstSpace = line.find(' ');
  auto lastSpace = line.rfind(' ');
  if (firstSpace == std::string_view::npos || firstSpace == lastSpace) {
    return invalid("request_line_invalid", "the request line must be METHOD TARGET HTTP/1.1");
  }
  std::string_view method = line.substr(0, firstSpace);
  std::string_view target = line.substr(firstSpace + 1, lastSpace - firstSpace - 1);
  std::string_view version = line.substr(lastSpace + 1);
  if (!isToken(method) || method.size() > 16) {
    return invalid("request_line_invalid", "the request method is not a token");
  }
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    return invalid("http_version_unsupported", "only HTTP/1.1 and HTTP/1.0 are served");
  }
  if (target.empty() || target.front() != '/') {
    return invalid("request_target_invalid", "the request target must start with '/'");
  }
  for (char c : target) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
      return invalid("request_target_invalid",
                     "the request target may hold only visible ASCII characters");
    }
  }
  head.method = std::string(method);
  auto question = target.find('?');
  head.path = std::string(target.substr(0, question));
  head.keepAlive = version == "HTTP/1.1";
  if (question == std::string_view::npos) return {};
  std::string_view query = target.substr(question + 1);
  query = query.substr(0, query.find('#'));
  return parseQuery(query, head);
}

Result<std::int64_t> parseContentLength(std::string_view text) {
  // Digits only: no sign, no spaces inside, no list ("5, 5"), at most 18 digits.
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  bool digitsOnly = !text.empty() && text.size() <= 18 &&
                    text.find_first_not_of("0123456789") == std::string_view::npos;
  if (!digitsOnly || ec != std::errc() || end != text.data() + text.size()) {
    return invalid("content_length_invalid",
                   "Content-Length must be a non-negative decimal number of bytes");
  }
  return value;
}

bool hasToken(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    auto comma = list.find(',');
    if (lowercase(trimWhitespace(list.substr(0, comma))) == token) return true;
    list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
  }
  return false;
}

Result<void> applyFraming(RequestHead& head) {
  auto te = head.headers.find("transfer-encoding");
  auto cl = head.headers.find("content-length");
  if (te != head.headers.end() && cl != head.headers.end()) {
    return invalid("framing_conflict",
                   "a request may not carry both Content-Length and Transfer-Encoding");
  }
  if (te != head.headers.end()) {
    return invalid("transfer_encoding_unsupported",
                   "Transfer-Encoding is not accepted; send the body with a Content-Length");
  }
  if (cl != head.headers.end()) {
    auto length = parseContentLength(cl->second);
    if (!length) return fail(length.error());
    head.contentLength = *length;
  }
  if (auto connection = head.headers.find("connection"); connection != head.headers.end()) {
    if (hasToken(connection->second, "close")) head.keepAlive = false;
    if (hasToken(connection->second, "keep-alive")) head.keepAlive = true;
  }
  if (auto expect = head.headers.find("expect"); expect != head.headers.end()) {
    head.expectContinue = lowercase(expect->second) == "100-continue";
  }
  return {};
}

}  // namespace

std::size_t headLength(std::string_view buffer) {
  auto end = buffer.find("\r\n\r\n");
  return end == std::string_view::npos ? 0 : end + 4;
}

Result<RequestHead> parseRequestHead(std::string_view text, const HeadLimits& limits) {
  if (text.size() > limits.maxHeaderBytes) {
    return fail(
        ErrorKind::HeadersTooLarge, "headers_too_large",
        "the request's header section is over " + std::to_string(limits.maxHeaderBytes) + " bytes");
  }
  if (text.ends_with("\r\n\r\n")) text.remove_suffix(4);
  auto lines = splitLines(text);
  if (lines.empty()) return invalid("request_line_invalid", "the request is empty");
  RequestHead head;
  if (auto r = parseRequestLine(lines.front(), head); !r) return fail(r.error());
  if (lines.size() - 1 > limits.maxHeaders) {
    return fail(ErrorKind::HeadersTooLarge, "headers_too_large",
                "the request has more than " + std::to_string(limits.maxHeaders) + " headers");
  }
  for (std::size_t i = 1; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    auto colon = line.find(':');
    if (colon == std::string_view::npos || !isToken(line.substr(0, colon))) {
      return invalid("header_invalid",
                     "header line " + std::to_string(i) + " is not NAME: VALUE (no folding)");
    }
    std::string_view value = trimWhitespace(line.substr(colon + 1));
    if (!isFieldValue(value)) {
      return invalid("header_invalid",
                     "header line " + std::to_string(i) + " has a control character");
    }
    std::string name = lowercase(line.substr(0, colon));
    auto [it, inserted] = head.headers.emplace(name, std::string(value));
    if (inserted) continue;
    for (std::string_view single : kSingleHeaders) {
      if (name == single) {
        return invalid(name == "content-length" ? "content_length_conflict" : "header_duplicate",
                       "header " + name + " appears more than once");
      }
    }
    it->second += ", " + std::string(value);
  }
  if (auto r = applyFraming(head); !r) return fail(r.error());
  return head;
}

}  // namespace stele::api
