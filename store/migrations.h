// The schema, as an ordered list of migrations. Migration N moves schema_version N-1 -> N.
// Never edit a shipped migration; append a new one.
#pragma once

#include <string_view>
#include <vector>

namespace stele::store {

const std::vector<std::string_view>& migrations();

}  // namespace stele::store
