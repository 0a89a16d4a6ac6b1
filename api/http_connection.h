// One client connection's HTTP/1.1 exchange, transport-free: bytes in, response bytes out.
//
// The head is read first (bounded by HeadLimits) and admitted by the Dispatcher before any
// body byte is taken: a missing or bad token, a body over the route's cap, or ambiguous
// framing is answered at once. A small body after such an answer is read and dropped so the
// client sees the answer; a larger one closes the connection. Accepted bodies are buffered
// (reserving their size in the EdgeBudget) or, for streaming routes, passed to a BodyStream
// in pieces of EdgeLimits::streamBufferBytes. deadline() tells the transport when to cut a
// connection that is idle, slow to send its head, or sending its body too slowly.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "api/dispatcher.h"
#include "api/edge_budget.h"
#include "api/edge_limits.h"

namespace stele::api {

using EdgeClock = std::chrono::steady_clock;

// What a connection needs from its transport.
class ConnectionOutput {
 public:
  virtual ~ConnectionOutput() = default;
  // Queues `bytes`; with `thenClose`, the connection ends once they are written.
  virtual void send(std::string bytes, bool thenClose) = 0;
};

class HttpConnection {
 public:
  HttpConnection(Dispatcher& dispatcher, EdgeBudget& budget, const EdgeLimits& limits,
                 ConnectionOutput& output, EdgeClock::time_point now);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  void receive(std::string_view bytes, EdgeClock::time_point now);
  // Answers `error` and closes (e.g. too many connections), reading nothing more.
  void refuse(const Error& error);
  // The transport cuts the connection at this time unless more bytes move it on.
  EdgeClock::time_point deadline() const {
    return EdgeClock::time_point(EdgeClock::duration(deadline_.load()));
  }
  bool closed() const { return state_ == State::Closed; }
  // True while a streaming body has much more to come: the transport may then read the socket
  // in large pieces instead of its usual 4 KiB.
  bool wantsBulkInput() const {
    return state_ == State::Body && stream_ && remaining_ > std::int64_t{64} << 10;
  }

 private:
  enum class State { Head, Body, Discard, Closed };
  std::size_t takeHead(std::string_view bytes, EdgeClock::time_point now);
  std::size_t takeBody(std::string_view bytes);
  std::size_t takeDiscard(std::string_view bytes);
  void startRequest(EdgeClock::time_point now);
  void startBody(Admission admission, EdgeClock::time_point now);
  void finishBody();
  // An answer given before the body was read: drop a small body, close on a large one.
  void answerEarly(const HttpResponse& response, std::int64_t unreadBody);
  void answer(const HttpResponse& response, bool close);
  void releaseBody();
  void setDeadline(EdgeClock::time_point at);

  Dispatcher& dispatcher_;
  EdgeBudget& budget_;
  const EdgeLimits& limits_;
  ConnectionOutput& output_;
  State state_ = State::Head;
  std::atomic<EdgeClock::rep> deadline_{0};
  EdgeClock::time_point headStarted_;

  std::string head_;
  HttpRequest request_;
  bool keepAlive_ = true;
  std::int64_t remaining_ = 0;  // body bytes still to come (Body, Discard)
  std::optional<Admission> admission_;
  std::string body_;  // the whole body, or a streaming body's next piece
  std::size_t reserved_ = 0;
  std::unique_ptr<BodyStream> stream_;
  EdgeClock::time_point bodyDeadline_;
  EdgeClock::time_point started_;
};

}  // namespace stele::api
