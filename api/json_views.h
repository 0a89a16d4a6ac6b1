// How stored objects look in API responses. One place, so every route shows them alike.
#pragma once

#include <nlohmann/json.hpp>

#include "images/registry.h"
#include "scheduler/host_inventory.h"
#include "store/records.h"

namespace stele::api {

nlohmann::json keyJson(const store::SigningKeyRecord& key);
nlohmann::json tokenJson(const store::TokenRecord& token);
nlohmann::json versionJson(const images::StoredVersion& version);
nlohmann::json hostJson(const scheduler::HostView& host);
nlohmann::json verifyReportJson(const images::VerifyReport& report);
// The timestamp as RFC 3339, or null.
nlohmann::json timeJson(const std::optional<std::int64_t>& unixSeconds);

}  // namespace stele::api
