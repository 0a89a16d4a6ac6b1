#include "api/http_connection.h"

#include <algorithm>
#include <cstdio>

#include "api/wire_response.h"

namespace stele::api {
namespace {

// After an answer with "Connection: close", how long the client has to read it and go.
constexpr std::chrono::seconds kLinger{2};

// A path for the access log: printable ASCII only, so no user string can forge log lines.
std::string loggable(const std::string& text) {
  std::string out;
  for (char c : text.substr(0, 200)) out.push_back(c >= 0x21 && c < 0x7f ? c : '?');
  return out;
}

}  // namespace

HttpConnection::HttpConnection(Dispatcher& dispatcher, EdgeBudget& budget, const EdgeLimits& limits,
                               ConnectionOutput& output, EdgeClock::time_point now)
    : dispatcher_(dispatcher), budget_(budget), limits_(limits), output_(output) {
  setDeadline(now + limits_.idleTimeout);
}

HttpConnection::~HttpConnection() { releaseBody(); }

void HttpConnection::setDeadline(EdgeClock::time_point at) {
  deadline_.store(at.time_since_epoch().count());
}

void HttpConnection::receive(std::string_view bytes, EdgeClock::time_point now) {
  while (!bytes.empty() && state_ != State::Closed) {
    std::size_t used = 0;
    switch (state_) {
      case State::Head:
        used = takeHead(bytes, now);
        break;
      case State::Body:
        used = takeBody(bytes);
        break;
      case State::Discard:
        used = takeDiscard(bytes);
        break;
      case State::Closed:
        break;
    }
    bytes.remove_prefix(used);
  }
  switch (state_) {
    case State::Head:
      setDeadline(head_.empty() ? now + limits_.idleTimeout : headStarted_ + limits_.headerTimeout);
      break;
    case State::Body:
      setDeadline(std::min(now + limits_.idleTimeout, bodyDeadline_));
      break;
    case State::Discard:
      setDeadline(now + kLinger);
      break;
    case State::Closed:
      break;
  }
}

void HttpConnection::refuse(const Error& error) {
  request_ = HttpRequest{};
  answer(dispatcher_.reject(error), true);
}

std::size_t HttpConnection::takeHead(std::string_view bytes, EdgeClock::time_point now) {
  if (head_.empty()) {
    // Stray line ends between requests are skipped, as RFC 9112 allows.
    std::size_t skip = bytes.find_first_not_of("\r\n");
    if (skip != 0) return skip == std::string_view::npos ? bytes.size() : skip;
    headStarted_ = now;
  }
  std::size_t take = std::min(bytes.size(), limits_.head.maxHeaderBytes + 1 - head_.size());
  std::size_t searchFrom = head_.size() >= 3 ? head_.size() - 3 : 0;
  head_.append(bytes.substr(0, take));
  std::size_t end = head_.find("\r\n\r\n", searchFrom);
  if (end == std::string::npos) {
    if (head_.size() > limits_.head.maxHeaderBytes) {
      head_ = std::string();
      request_ = HttpRequest{};
      answer(dispatcher_.reject(Error{ErrorKind::HeadersTooLarge, "headers_too_large",
                                      "the request's header section is over " +
                                          std::to_string(limits_.head.maxHeaderBytes) + " bytes"}),
             true);
    }
    return take;
  }
  std::size_t length = end + 4;
  std::size_t used = take - (head_.size() - length);
  head_.resize(length);
  startRequest(now);
  return used;
}

void HttpConnection::startRequest(EdgeClock::time_point now) {
  auto head = parseRequestHead(head_, limits_.head);
  head_ = std::string();
  request_ = HttpRequest{};
  started_ = now;
  if (!head) {
    answer(dispatcher_.reject(head.error()), true);
    return;
  }
  request_.method = std::move(head->method);
  request_.path = std::move(head->path);
  request_.query = std::move(head->query);
  request_.headers = std::move(head->headers);
  keepAlive_ = head->keepAlive;
  auto admission = dispatcher_.admit(request_, head->contentLength);
  if (!admission) {
    answerEarly(dispatcher_.reject(admission.error()), head->contentLength);
    return;
  }
  if (head->contentLength == 0) {
    answer(dispatcher_.run(*admission, request_), !keepAlive_);
    return;
  }
  if (head->expectContinue) output_.send(std::string(kContinueResponse), false);
  remaining_ = head->contentLength;
  startBody(std::move(*admission), now);
}

void HttpConnection::startBody(Admission admission, EdgeClock::time_point now) {
  bool streams = admission.streams(remaining_);
  auto want = static_cast<std::size_t>(
      streams
          ? std::min<std::int64_t>(static_cast<std::int64_t>(limits_.streamBufferBytes), remaining_)
          : remaining_);
  if (!budget_.reserveBytes(want)) {
    answerEarly(dispatcher_.reject(Error{ErrorKind::Unavailable, "server_busy",
                                         "the server holds as many request bodies as it may; "
                                         "retry shortly"}),
                remaining_);
    return;
  }
  reserved_ = want;
  if (streams) {
    auto stream = dispatcher_.openStream(admission, request_, remaining_);
    if (!stream) {
      std::int64_t unread = remaining_;
      releaseBody();
      answerEarly(dispatcher_.reject(stream.error()), unread);
      return;
    }
    stream_ = std::move(*stream);
  }
  body_.reserve(want);
  admission_ = std::move(admission);
  auto allowance = std::chrono::milliseconds(
      static_cast<std::int64_t>(static_cast<std::uint64_t>(remaining_) * 1000 /
                                std::max<std::uint64_t>(limits_.minBodyBytesPerSecond, 1)));
  bodyDeadline_ = now + limits_.idleTimeout + allowance;
  state_ = State::Body;
}

std::size_t HttpConnection::takeBody(std::string_view bytes) {
  auto take = static_cast<std::size_t>(
      std::min<std::int64_t>(static_cast<std::int64_t>(bytes.size()), remaining_));
  if (!stream_) {
    body_.append(bytes.substr(0, take));
    remaining_ -= static_cast<std::int64_t>(take);
  } else {
    std::size_t used = 0;
    while (used < take) {
      std::string_view rest = bytes.substr(used, take - used);
      bool direct = body_.empty() && rest.size() >= reserved_;  // a buffer's worth: no copy
      std::size_t n = direct ? rest.size() : std::min(reserved_ - body_.size(), rest.size());
      if (!direct) body_.append(rest.substr(0, n));
      used += n;
      remaining_ -= static_cast<std::int64_t>(n);
      if (!direct && body_.size() < reserved_ && remaining_ > 0) continue;
      auto written = stream_->write(direct ? rest : std::string_view(body_));
      body_.clear();
      if (!written) {
        std::int64_t unread = remaining_;
        releaseBody();
        answerEarly(dispatcher_.reject(written.error()), unread);
        return used;
      }
    }
  }
  if (remaining_ == 0) finishBody();
  return take;
}

std::size_t HttpConnection::takeDiscard(std::string_view bytes) {
  auto take = static_cast<std::size_t>(
      std::min<std::int64_t>(static_cast<std::int64_t>(bytes.size()), remaining_));
  remaining_ -= static_cast<std::int64_t>(take);
  if (remaining_ == 0) state_ = State::Head;
  return take;
}

void HttpConnection::finishBody() {
  HttpResponse response;
  if (stream_) {
    response = dispatcher_.finishStream(*stream_);
  } else {
    request_.body = body_;
    response = dispatcher_.run(*admission_, request_);
  }
  releaseBody();
  answer(response, !keepAlive_);
}

void HttpConnection::answerEarly(const HttpResponse& response, std::int64_t unreadBody) {
  if (unreadBody <= 0) {
    answer(response, !keepAlive_);
  } else if (keepAlive_ && static_cast<std::uint64_t>(unreadBody) <= limits_.drainBytes) {
    answer(response, false);
    remaining_ = unreadBody;
    state_ = State::Discard;
  } else {
    answer(response, true);
  }
}

void HttpConnection::answer(const HttpResponse& response, bool close) {
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(EdgeClock::now() - started_).count();
  std::fprintf(stderr, "stele: %s %s %d %lldus\n", loggable(request_.method).c_str(),
               loggable(request_.path).c_str(), response.status, static_cast<long long>(micros));
  output_.send(wireResponse(response, request_.method == "HEAD", close), close);
  state_ = close ? State::Closed : State::Head;
  if (close) setDeadline(EdgeClock::now() + kLinger);
}

void HttpConnection::releaseBody() {
  stream_.reset();
  budget_.releaseBytes(reserved_);
  reserved_ = 0;
  body_ = std::string();
  admission_.reset();
  request_.body = {};
}

}  // namespace stele::api
