// Events: every decision and action, with its reason, kept with bounded retention.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"
#include "store/database.h"

namespace stele::store {

struct EventRecord {
  std::int64_t id = 0;  // increasing; the SSE id
  std::int64_t atMs = 0;
  std::string type = "Normal";  // Normal | Warning
  std::string reason;           // CamelCase slug: Provisioned, FailedScheduling, ...
  std::string objectKind;
  std::string objectName;
  std::string deployment;
  std::string instance;
  std::string message;
};

struct EventQuery {
  std::string deployment;  // "" = any
  std::string instance;    // "" = any
  std::int64_t afterId = 0;
  std::size_t limit = 500;
};

class EventRepository {
 public:
  explicit EventRepository(Database& db) : db_(db) {}

  // Returns the stored event's id.
  Result<std::int64_t> append(const EventRecord& event);
  // Oldest first, ids > afterId.
  Result<std::vector<EventRecord>> list(const EventQuery& query);
  // The newest event's id (0 when there is none).
  Result<std::int64_t> newestId();
  // Keeps the newest `keep` events; returns how many were removed.
  Result<std::int64_t> trim(std::int64_t keep);

 private:
  Database& db_;
};

}  // namespace stele::store
