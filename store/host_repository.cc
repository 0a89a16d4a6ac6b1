#include "store/host_repository.h"

#include "store/pattern_list.h"

namespace stele::store {
namespace {

constexpr std::string_view kSelect =
    "SELECT name, uri, accel, labels, draining, added_at, probe_netns FROM hosts";

HostRecord fromRow(const Row& row) {
  return HostRecord{row.text(0),         row.text(1),    row.text(2), splitPatterns(row.text(3)),
                    row.integer(4) != 0, row.integer(5), row.text(6)};
}

std::unexpected<Error> noHost(const std::string& name) {
  return fail(ErrorKind::NotFound, "host_not_found", "no host named " + name);
}

}  // namespace

Result<void> HostRepository::insert(const HostRecord& h) {
  auto r = db_.execute(
      "INSERT INTO hosts (name, uri, accel, labels, draining, added_at, probe_netns) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)",
      {h.name, h.uri, h.accel, joinPatterns(h.labels), std::int64_t{h.draining ? 1 : 0}, h.addedAt,
       h.probeNetns});
  if (!r && r.error().kind == ErrorKind::Conflict) {
    return fail(ErrorKind::Conflict, "host_exists", "a host named " + h.name + " exists already");
  }
  if (!r) return fail(r.error());
  return {};
}

Result<std::optional<HostRecord>> HostRepository::find(const std::string& name) {
  auto rows = db_.query(std::string(kSelect) + " WHERE name = ?", {name});
  if (!rows) return fail(rows.error());
  if (rows->empty()) return std::optional<HostRecord>{};
  return std::optional<HostRecord>(fromRow(rows->front()));
}

Result<std::vector<HostRecord>> HostRepository::list() {
  auto rows = db_.query(std::string(kSelect) + " ORDER BY name");
  if (!rows) return fail(rows.error());
  std::vector<HostRecord> out;
  for (const auto& row : *rows) out.push_back(fromRow(row));
  return out;
}

Result<void> HostRepository::setDraining(const std::string& name, bool draining) {
  auto changed = db_.execute("UPDATE hosts SET draining = ? WHERE name = ?",
                             {std::int64_t{draining ? 1 : 0}, name});
  if (!changed) return fail(changed.error());
  if (*changed == 0) return noHost(name);
  return {};
}

Result<void> HostRepository::remove(const std::string& name) {
  auto changed = db_.execute("DELETE FROM hosts WHERE name = ?", {name});
  if (!changed) return fail(changed.error());
  if (*changed == 0) return noHost(name);
  return {};
}

}  // namespace stele::store
