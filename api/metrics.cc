#include "api/metrics.h"

#include <tuple>

namespace stele::api {
namespace {

std::string metricBlock(const std::string& name, const std::string& help, const char* type) {
  return "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

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
  std::string out = metricBlock("stele_http_requests_total",
                                "HTTP requests answered, by status code.", "counter");
  for (std::size_t i = 0; i < kStatuses.size(); ++i) {
    out += "stele_http_requests_total{code=\"" + std::to_string(kStatuses[i]) + "\"} " +
           std::to_string(requests_[i].load()) + "\n";
  }
  out += "stele_http_requests_total{code=\"other\"} " +
         std::to_string(requests_[kStatuses.size()].load()) + "\n";
  out +=
      metricBlock("stele_upload_bytes_total", "Blob bytes received in upload chunks.", "counter") +
      "stele_upload_bytes_total " + std::to_string(uploadedBytes_.load()) + "\n";
  out +=
      metricBlock("stele_image_pushes_total", "Manifest pushes accepted, by outcome.", "counter") +
      "stele_image_pushes_total{outcome=\"created\"} " + std::to_string(pushesCreated_.load()) +
      "\nstele_image_pushes_total{outcome=\"unchanged\"} " +
      std::to_string(pushesUnchanged_.load()) + "\n";
  for (auto [name, help, type, value] :
       {std::tuple{"stele_handler_calls_total", "Requests that reached a route handler.", "counter",
                   handlerCalls_.load()},
        std::tuple{"stele_http_connections_open", "Client connections open now.", "gauge",
                   openConnections_.load()},
        std::tuple{"stele_http_buffered_bytes", "Request bytes the HTTP edge holds in memory now.",
                   "gauge", bufferedBytes_.load()}}) {
    out += metricBlock(name, help, type) + name + " " + std::to_string(value) + "\n";
  }
  return out;
}

}  // namespace stele::api
