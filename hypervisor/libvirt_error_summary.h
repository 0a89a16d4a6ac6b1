// What may be shown of a libvirt error outside the server log: its class and number only.
// libvirt's text can quote files the caller named (the test driver quotes the first line of a
// file it failed to parse), so the API shows this summary and the full text goes to the log.
#pragma once

#include <string>
#include <string_view>

namespace stele::hypervisor {

// "WHAT: XML error (libvirt error class XML, code 27)": a fixed phrase of ours for the error
// number (none for numbers we do not name), then libvirt's class and number. `domain` and
// `code` are libvirt's virErrorDomain and virErrorNumber; an unknown domain is shown as its
// number. Never any of libvirt's own text. Pure.
std::string libvirtErrorSummary(std::string_view what, int domain, int code);

}  // namespace stele::hypervisor
