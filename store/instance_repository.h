// Instances as the reconciler records them, their state history, and the operation log:
// an intent row before each side effect (provision, destroy) and its outcome after, so a
// restarted server knows what it was doing.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/error.h"
#include "store/database.h"

namespace stele::store {

struct InstanceRecord {
  std::string id;
  std::string deployment;
  std::int64_t ordinal = 0;
  std::int64_t revision = 0;  // the deployment revision (template) it was made from
  std::string host;
  std::string imageVersion;
  std::string imageDigest;  // manifest digest
  std::string signerKeys;   // key ids, one a line (store/pattern_list.h)
  std::string addresses;    // JSON object network -> address
  std::string state;        // see scheduler/instance_state.h
  std::int64_t stateSinceMs = 0;
  std::string reason;
  std::int64_t restarts = 0;
  std::string lastProbe;  // JSON of the last probe results
  std::int64_t createdAtMs = 0;
};

struct InstanceStateChange {
  std::int64_t atMs = 0;
  std::string state;
  std::string reason;
};

struct OperationRecord {
  std::int64_t id = 0;
  std::string action;  // provision | destroy
  std::string instanceId;
  std::string host;
  std::int64_t startedAtMs = 0;
  std::optional<std::int64_t> finishedAtMs;
  std::string outcome;  // ok | error: ...
};

class InstanceRepository {
 public:
  explicit InstanceRepository(Database& db) : db_(db) {}

  Result<void> insert(const InstanceRecord& instance);
  Result<std::optional<InstanceRecord>> find(const std::string& id);
  // All instances ("" = every deployment), by deployment then ordinal.
  Result<std::vector<InstanceRecord>> list(const std::string& deployment = "");
  // Sets state, reason and since, and appends to the history. NotFound when absent.
  Result<void> setState(const std::string& id, const std::string& state, const std::string& reason,
                        std::int64_t atMs);
  Result<void> setRestarts(const std::string& id, std::int64_t restarts);
  Result<void> setLastProbe(const std::string& id, const std::string& json);
  Result<void> remove(const std::string& id);
  // Removes (with their history) the deployment's records at `ordinal` in `state`; none is fine.
  Result<void> removeInState(const std::string& deployment, std::int64_t ordinal,
                             const std::string& state);
  Result<std::vector<InstanceStateChange>> history(const std::string& id, std::size_t limit = 50);

  // The operation log.
  Result<std::int64_t> beginOperation(const std::string& action, const std::string& instanceId,
                                      const std::string& host, std::int64_t atMs);
  Result<void> finishOperation(std::int64_t id, const std::string& outcome, std::int64_t atMs);
  Result<std::vector<OperationRecord>> openOperations();
  // Every instance id this server has begun to provision (per the operation log).
  Result<std::set<std::string>> provisionedIds();

 private:
  Database& db_;
};

}  // namespace stele::store
