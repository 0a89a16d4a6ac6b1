#include "store/event_repository.h"

namespace stele::store {

Result<std::int64_t> EventRepository::append(const EventRecord& e) {
  auto rows = db_.query(
      "INSERT INTO events (at, type, reason, object_kind, object_name, deployment, instance, "
      "message) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {e.atMs, e.type, e.reason, e.objectKind, e.objectName, e.deployment, e.instance, e.message});
  if (!rows) return fail(rows.error());
  return rows->front().integer(0);
}

Result<std::vector<EventRecord>> EventRepository::list(const EventQuery& q) {
  auto rows = db_.query(
      "SELECT id, at, type, reason, object_kind, object_name, deployment, instance, message "
      "FROM events WHERE id > ? AND (? = '' OR deployment = ?) AND (? = '' OR instance = ?) "
      "ORDER BY id LIMIT ?",
      {q.afterId, q.deployment, q.deployment, q.instance, q.instance,
       static_cast<std::int64_t>(q.limit)});
  if (!rows) return fail(rows.error());
  std::vector<EventRecord> out;
  for (const auto& r : *rows) {
    out.push_back({r.integer(0), r.integer(1), r.text(2), r.text(3), r.text(4), r.text(5),
                   r.text(6), r.text(7), r.text(8)});
  }
  return out;
}

Result<std::int64_t> EventRepository::newestId() {
  auto rows = db_.query("SELECT COALESCE(MAX(id), 0) FROM events");
  if (!rows) return fail(rows.error());
  return rows->front().integer(0);
}

Result<std::int64_t> EventRepository::trim(std::int64_t keep) {
  return db_.execute("DELETE FROM events WHERE id <= (SELECT COALESCE(MAX(id), 0) FROM events) - ?",
                     {keep});
}

}  // namespace stele::store
