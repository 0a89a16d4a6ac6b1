// The built-in site: `/` (a page naming the instance and image version), `/healthz`,
// `/version`. Maps a parsed request to a response. Pure.
#pragma once

#include <string>

#include "common/appliance_config.h"
#include "web/http_request_parser.h"
#include "web/http_response.h"

namespace stele::services::web {

class WebSite {
 public:
  explicit WebSite(const ApplianceIdentity& identity);

  HttpResponse respond(const HttpRequest& request) const;
  const std::string& indexPage() const { return indexPage_; }

 private:
  std::string indexPage_;
  std::string versionText_;
};

std::string escapeHtml(std::string_view text);

}  // namespace stele::services::web
