// Fault injection for crash tests. When the environment variable STELE_CRASHPOINT equals
// `name`, the process kills itself with SIGKILL right there, as a power cut would. Unset in
// production; the crash tests set it to prove that every multi-step write is atomic.
#pragma once

#include <string_view>

namespace stele {

void crashpoint(std::string_view name);

}  // namespace stele
