// What may be shown of a libvirt error outside the server log: its class and number only.
// libvirt's text can quote files the caller named (the test driver quotes the first line of a
// file it failed to parse), so the API shows this summary and the full text goes to the log.
#pragma once

#include <string>
#include <string_view>

namespace stele::hypervisor {

// "WHAT: libvirt error class XML (code 27)". `domain` and `code` are libvirt's virErrorDomain
// and virErrorNumber; an unknown domain is shown as its number. Pure.
std::string libvirtErrorSummary(std::string_view what, int domain, int code);

}  // namespace stele::hypervisor
