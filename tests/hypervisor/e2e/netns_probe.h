// Looking into a network namespace from a test: each call runs on a short-lived thread that
// joins the namespace (setns affects only that thread), so all traffic stays inside it.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/error.h"

namespace stele::hypervisor::e2e {

// Connects to ipv4:port inside the namespace and returns what the peer sends before closing.
Result<std::string> tcpReadInNamespace(const std::string& netns, const std::string& ipv4, int port,
                                       std::chrono::milliseconds timeout);

// Connects to ipv4:port inside the namespace, sends `request` (small: one send) and returns
// what the peer sends back before closing or going quiet for `timeout`.
Result<std::string> tcpExchangeInNamespace(const std::string& netns, const std::string& ipv4,
                                           int port, const std::string& request,
                                           std::chrono::milliseconds timeout);
// Names of the network interfaces inside the namespace.
Result<std::vector<std::string>> interfacesInNamespace(const std::string& netns);

}  // namespace stele::hypervisor::e2e
