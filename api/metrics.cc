#include "api/metrics.h"

namespace stele::api {

void Metrics::countRequest(int status) {
  for (std::size_t i = 0; i < kStatuses.size(); ++i) {
    if (kStatuses[i] == status) {
      requests_[i]++;
      return;
    }
  }
  requests_[kStatuses.size()]++;
}

std::string Metrics::render() const {
  std::string out =
      "# HELP stele_http_requests_total HTTP requests answered, by status code.\n"
      "# TYPE stele_http_requests_total counter\n";
  for (std::size_t i = 0; i < kStatuses.size(); ++i) {
    out += "stele_http_requests_total{code=\"" + std::to_string(kStatuses[i]) + "\"} " +
           std::to_string(requests_[i].load()) + "\n";
  }
  out += "stele_http_requests_total{code=\"other\"} " +
         std::to_string(requests_[kStatuses.size()].load()) + "\n";
  out +=
      "# HELP stele_upload_bytes_total Blob bytes received in upload chunks.\n"
      "# TYPE stele_upload_bytes_total counter\n"
      "stele_upload_bytes_total " +
      std::to_string(uploadedBytes_.load()) + "\n" +
      "# HELP stele_image_pushes_total Manifest pushes accepted, by outcome.\n"
      "# TYPE stele_image_pushes_total counter\n"
      "stele_image_pushes_total{outcome=\"created\"} " +
      std::to_string(pushesCreated_.load()) + "\n" +
      "stele_image_pushes_total{outcome=\"unchanged\"} " + std::to_string(pushesUnchanged_.load()) +
      "\n";
  out +=
      "# HELP stele_handler_calls_total Requests that reached a route handler.\n"
      "# TYPE stele_handler_calls_total counter\n"
      "stele_handler_calls_total " +
      std::to_string(handlerCalls_.load()) + "\n" +
      "# HELP stele_http_connections_open Client connections open now.\n"
      "# TYPE stele_http_connections_open gauge\n"
      "stele_http_connections_open " +
      std::to_string(openConnections_.load()) + "\n" +
      "# HELP stele_http_buffered_bytes Request bytes the HTTP edge holds in memory now.\n"
      "# TYPE stele_http_buffered_bytes gauge\n"
      "stele_http_buffered_bytes " +
      std::to_string(bufferedBytes_.load()) + "\n";
  return out;
}

}  // namespace stele::api
