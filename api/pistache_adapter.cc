#include "api/pistache_adapter.h"

#include <pistache/endpoint.h>
#include <pistache/http.h>

#include <chrono>
#include <cstdio>
#include <sstream>

namespace stele::api {
namespace {

using namespace Pistache;

std::string lowercase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// A path for the access log: printable ASCII only, so no user string can forge log lines.
std::string loggable(const std::string& text) {
  std::string out;
  for (char c : text.substr(0, 200)) out.push_back(c >= 0x21 && c < 0x7f ? c : '?');
  return out;
}

HttpRequest convert(const Http::Request& in) {
  HttpRequest out;
  out.method = Http::methodString(in.method());
  out.path = in.resource();
  for (auto it = in.query().parameters_begin(); it != in.query().parameters_end(); ++it) {
    out.query[it->first] = it->second;
  }
  for (const auto& header : in.headers().list()) {
    std::ostringstream value;
    header->write(value);
    out.headers[lowercase(header->name())] = value.str();
  }
  for (const auto& [name, raw] : in.headers().rawList()) {
    out.headers[lowercase(name)] = raw.value();
  }
  out.body = in.body();
  return out;
}

// Pistache writes only typed headers, so every response header is one of these.
class PlainHeader : public Http::Header::Header {
 public:
  PlainHeader(std::string name, std::string value)
      : name_(std::move(name)), value_(std::move(value)) {}
  const char* name() const override { return name_.c_str(); }
  void parse(const std::string& data) override { value_ = data; }
  void write(std::ostream& os) const override { os << value_; }
  std::uint64_t hash() const override { return Http::Header::detail::hash(name_.c_str()); }

 private:
  std::string name_;
  std::string value_;
};

class Handler : public Http::Handler {
 public:
  HTTP_PROTOTYPE(Handler)
  explicit Handler(Dispatcher* dispatcher) : dispatcher_(dispatcher) {}

  void onRequest(const Http::Request& request, Http::ResponseWriter writer) override {
    auto started = std::chrono::steady_clock::now();
    HttpRequest converted = convert(request);
    HttpResponse response = dispatcher_->handle(converted);
    if (!response.contentType.empty()) {
      writer.headers().add(std::make_shared<PlainHeader>("Content-Type", response.contentType));
    }
    for (const auto& [name, value] : response.headers) {
      writer.headers().add(std::make_shared<PlainHeader>(name, value));
    }
    // HEAD answers carry the status and headers only, errors included.
    if (converted.method == "HEAD") response.body.clear();
    writer.send(static_cast<Http::Code>(response.status), response.body);
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
    std::fprintf(stderr, "stele: %s %s %d %lldus\n", converted.method.c_str(),
                 loggable(converted.path).c_str(), response.status, static_cast<long long>(micros));
  }

 private:
  Dispatcher* dispatcher_;
};

}  // namespace

struct HttpEndpoint::Impl {
  std::unique_ptr<Http::Endpoint> endpoint;
};

HttpEndpoint::HttpEndpoint(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpEndpoint::~HttpEndpoint() { stop(); }

Result<std::unique_ptr<HttpEndpoint>> HttpEndpoint::start(const ListenOptions& options,
                                                          Dispatcher& dispatcher) {
  auto impl = std::make_unique<Impl>();
  try {
    Address address(options.host, Port(options.port));
    impl->endpoint = std::make_unique<Http::Endpoint>(address);
    auto opts = Http::Endpoint::options()
                    .threads(options.threads)
                    .flags(Tcp::Options::ReuseAddr | Tcp::Options::NoDelay)
                    .maxRequestSize(options.maxRequestBytes)
                    .headerTimeout(std::chrono::seconds(30))
                    .bodyTimeout(std::chrono::seconds(120));
    impl->endpoint->init(opts);
    impl->endpoint->setHandler(Http::make_handler<Handler>(&dispatcher));
    if (!options.tlsCert.empty()) impl->endpoint->useSSL(options.tlsCert, options.tlsKey);
    impl->endpoint->serveThreaded();
  } catch (const std::exception& e) {
    return fail(
        ErrorKind::Unavailable, "listen_failed",
        "cannot serve on " + options.host + ":" + std::to_string(options.port) + ": " + e.what());
  }
  return std::unique_ptr<HttpEndpoint>(new HttpEndpoint(std::move(impl)));
}

std::uint16_t HttpEndpoint::port() const {
  return static_cast<std::uint16_t>(impl_->endpoint->getPort());
}

void HttpEndpoint::stop() {
  if (impl_ && impl_->endpoint) {
    impl_->endpoint->shutdown();
    impl_->endpoint.reset();
  }
}

}  // namespace stele::api
