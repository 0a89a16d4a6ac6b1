// Image versions: the signed manifest bytes, their signatures and blob references.
#pragma once

#include <optional>
#include <vector>

#include "common/error.h"
#include "store/database.h"
#include "store/records.h"

namespace stele::store {

enum class InsertOutcome { Inserted, AlreadyPresent };

class ImageRepository {
 public:
  explicit ImageRepository(Database& db) : db_(db) {}

  // Inserts the version, its signatures and blob references in one transaction.
  // The same manifest bytes again is AlreadyPresent; other bytes for an existing or deleted
  // name:version is a Conflict. Concurrent inserts are serialised: exactly one wins.
  Result<InsertOutcome> insertVersion(const ImageVersionRecord& version);
  // Includes tombstones (deletedAt set).
  Result<std::optional<ImageVersionRecord>> findVersion(const std::string& name,
                                                        const std::string& version);
  // Live versions of one image, oldest first.
  Result<std::vector<ImageVersionRecord>> listVersions(const std::string& name);
  Result<std::vector<ImageSummary>> listImages();
  // Turns a live version into a tombstone. NotFound when absent or already deleted.
  Result<void> markDeleted(const std::string& name, const std::string& version, std::int64_t now);

 private:
  Result<void> loadChildren(ImageVersionRecord& record);
  Database& db_;
};

}  // namespace stele::store
