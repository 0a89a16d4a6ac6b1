// Serves WebSite over HTTP/1.1 on a non-blocking epoll loop: keep-alive, pipelined
// requests answered in order, bounded buffers, idle and header timeouts.
#pragma once

#include <memory>

#include "common/appliance_service.h"
#include "web/web_config.h"

namespace stele::services::web {

std::unique_ptr<ApplianceService> makeWebServer(const WebConfig& config);

}  // namespace stele::services::web
