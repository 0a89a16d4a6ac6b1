// Desired-state objects (Networks, Deployments) as stored: the canonical JSON of the document
// as applied, a generation that moves on every change, a revision that moves only when what an
// instance is made of changes (everything but replicas: its "template"), and, for Deployments,
// the image version they use (so an image in use cannot be deleted).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "store/database.h"

namespace stele::store {

struct DesiredObjectRecord {
  std::string kind;  // Network | Deployment
  std::string name;
  std::string document;  // canonical JSON
  std::int64_t generation = 0;
  std::int64_t revision = 0;
  std::string templateText;  // canonical JSON of the spec without replicas
  std::optional<std::string> imageName;
  std::optional<std::string> imageVersion;
  std::string appliedBy;
  std::int64_t createdAt = 0;
  std::int64_t updatedAt = 0;
};

class DesiredRepository {
 public:
  explicit DesiredRepository(Database& db) : db_(db) {}

  Result<std::optional<DesiredObjectRecord>> find(const std::string& kind, const std::string& name);
  // Every object of `kind` ("" = all kinds), by kind then name.
  Result<std::vector<DesiredObjectRecord>> list(const std::string& kind = "");
  // Inserts or replaces by (kind, name). The caller sets generation.
  Result<void> put(const DesiredObjectRecord& record);
  // NotFound when absent.
  Result<void> remove(const std::string& kind, const std::string& name);
  // Deployments that use image NAME:VERSION.
  Result<std::vector<std::string>> deploymentsUsing(const std::string& imageName,
                                                    const std::string& imageVersion);

 private:
  Database& db_;
};

}  // namespace stele::store
