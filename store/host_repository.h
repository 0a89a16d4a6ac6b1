// The host inventory's rows: where each host is, how it runs VMs, whether it takes new ones.
#pragma once

#include <optional>
#include <vector>

#include "common/error.h"
#include "store/database.h"
#include "store/records.h"

namespace stele::store {

class HostRepository {
 public:
  explicit HostRepository(Database& db) : db_(db) {}

  // Conflict when a host with that name exists.
  Result<void> insert(const HostRecord& host);
  Result<std::optional<HostRecord>> find(const std::string& name);
  Result<std::vector<HostRecord>> list();
  // NotFound when absent.
  Result<void> setDraining(const std::string& name, bool draining);
  Result<void> remove(const std::string& name);

 private:
  Database& db_;
};

}  // namespace stele::store
