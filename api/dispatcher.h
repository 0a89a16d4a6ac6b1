// Route, authenticate, authorize, cap the body, run the handler, and turn any error into the
// JSON error shape. Transport-free, so it is tested directly. The transport calls admit() as
// soon as a request's head has arrived, so a request without a valid token, or too large for
// its route, is answered before any body byte is read; then run() with the buffered body, or
// openStream() for routes that take their body as it arrives.
#pragma once

#include <memory>

#include "api/http_types.h"
#include "api/router.h"
#include "api/services.h"

namespace stele::api {

// A request whose head passed routing, authentication, authorization and the body cap.
struct Admission {
  const Route* route = nullptr;
  Principal principal;
  PathParams params;
  bool streams(std::int64_t contentLength) const {
    return contentLength > 0 && route->streamBody != nullptr;
  }
};

class Dispatcher {
 public:
  Dispatcher(Router& router, Services& services) : router_(router), services_(services) {}

  // From the head alone (`head.body` is not looked at).
  Result<Admission> admit(const HttpRequest& head, std::int64_t contentLength);
  // Runs the route's handler over the whole request.
  HttpResponse run(const Admission& admission, const HttpRequest& request);
  // The stream a streaming route's body goes to (see Admission::streams).
  Result<std::unique_ptr<BodyStream>> openStream(const Admission& admission,
                                                 const HttpRequest& head,
                                                 std::int64_t contentLength);
  HttpResponse finishStream(BodyStream& stream);
  // An answer the transport gives itself (bad framing, limits, a failed stream write).
  HttpResponse reject(const Error& error);
  // admit + run for a request that is already whole.
  HttpResponse handle(const HttpRequest& request);

 private:
  HttpResponse respond(const Result<HttpResponse>& result);
  Router& router_;
  Services& services_;
};

}  // namespace stele::api
