// Serves answerQuery() over UDP (batched recvmmsg/sendmmsg) and TCP (length-prefixed,
// pipelined, idle timeout) on one epoll loop. No logging on the per-query path.
#pragma once

#include <memory>

#include "common/appliance_service.h"
#include "dns/dns_config.h"

namespace stele::services::dns {

std::unique_ptr<ApplianceService> makeDnsServer(const DnsConfig& config);

}  // namespace stele::services::dns
