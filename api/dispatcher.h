// One request in, one response out: route, authenticate, authorize, cap the body, run the
// handler, and turn any error into the JSON error shape. Transport-free, so it is tested
// directly; the Pistache adapter only converts types.
#pragma once

#include "api/http_types.h"
#include "api/router.h"
#include "api/services.h"

namespace stele::api {

class Dispatcher {
 public:
  Dispatcher(Router& router, Services& services) : router_(router), services_(services) {}
  HttpResponse handle(const HttpRequest& request);

 private:
  Result<HttpResponse> route(const HttpRequest& request);
  Router& router_;
  Services& services_;
};

}  // namespace stele::api
