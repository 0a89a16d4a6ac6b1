#include "store/database.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <cstring>
#include <map>

#include "store/migrations.h"

namespace stele::store {
namespace {

Error sqliteError(sqlite3* db, std::string_view what) {
  int code = sqlite3_extended_errcode(db);
  ErrorKind kind = ErrorKind::Internal;
  std::string slug = "store_failed";
  if ((code & 0xff) == SQLITE_CONSTRAINT) {
    kind = ErrorKind::Conflict;
    slug = "constraint_violation";
  } else if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_FULL) {
    kind = ErrorKind::Unavailable;
    slug = "store_unavailable";
  }
  return Error{kind, slug, std::string(what) + ": " + sqlite3_errmsg(db)};
}

}  // namespace

std::int64_t Row::integer(std::size_t i) const {
  if (const auto* v = std::get_if<std::int64_t>(&values_.at(i))) return *v;
  return 0;
}

std::optional<std::int64_t> Row::optionalInteger(std::size_t i) const {
  if (const auto* v = std::get_if<std::int64_t>(&values_.at(i))) return *v;
  return std::nullopt;
}

std::string Row::text(std::size_t i) const {
  const Value& v = values_.at(i);
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* b = std::get_if<Blob>(&v)) return b->bytes;
  if (const auto* n = std::get_if<std::int64_t>(&v)) return std::to_string(*n);
  return {};
}

bool Row::isNull(std::size_t i) const {
  return std::holds_alternative<std::nullptr_t>(values_.at(i));
}

struct Database::Handle {
  sqlite3* db = nullptr;
  std::map<std::string, sqlite3_stmt*, std::less<>> statements;
  bool inTransaction = false;

  ~Handle() {
    for (auto& [sql, stmt] : statements) sqlite3_finalize(stmt);
    if (db != nullptr) sqlite3_close_v2(db);
  }
};

Database::Database(std::unique_ptr<Handle> handle) : handle_(std::move(handle)) {}
Database::~Database() = default;

Result<std::unique_ptr<Database>> Database::open(const std::string& path) {
  // Only the server's user may read the database: create it 0600 (SQLite gives its -wal and
  // -shm files the database file's mode) and tighten one made before.
  if (!path.empty() && path.front() != ':') {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
      return fail(ErrorKind::Unavailable, "store_unavailable",
                  "cannot open database " + path + ": " + std::strerror(errno));
    }
    ::fchmod(fd, 0600);
    ::close(fd);
    for (const char* suffix : {"-wal", "-shm"}) ::chmod((path + suffix).c_str(), 0600);
  }
  auto handle = std::make_unique<Handle>();
  int rc =
      sqlite3_open_v2(path.c_str(), &handle->db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = handle->db != nullptr ? sqlite3_errmsg(handle->db) : "out of memory";
    return fail(ErrorKind::Unavailable, "store_unavailable",
                "cannot open database " + path + ": " + message);
  }
  sqlite3_busy_timeout(handle->db, 5000);
  sqlite3_extended_result_codes(handle->db, 1);
  std::unique_ptr<Database> database(new Database(std::move(handle)));
  for (const char* pragma :
       {"PRAGMA journal_mode=WAL", "PRAGMA foreign_keys=ON", "PRAGMA synchronous=FULL"}) {
    if (auto r = database->query(pragma); !r) return fail(r.error());
  }
  if (auto r = database->migrate(); !r) return fail(r.error());
  return database;
}

Result<void> Database::migrate() {
  if (auto r = execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
      !r) {
    return fail(r.error());
  }
  auto rows = query("SELECT version FROM schema_version");
  if (!rows) return fail(rows.error());
  int current = rows->empty() ? 0 : static_cast<int>(rows->front().integer(0));
  const auto& all = migrations();
  if (current > static_cast<int>(all.size())) {
    return fail(ErrorKind::Unavailable, "schema_too_new",
                "database schema version " + std::to_string(current) +
                    " is newer than this stele knows (" + std::to_string(all.size()) + ")");
  }
  for (int next = current; next < static_cast<int>(all.size()); ++next) {
    auto applied = transaction([&](Database& tx) -> Result<void> {
      char* message = nullptr;
      std::string sql(all[static_cast<std::size_t>(next)]);
      if (sqlite3_exec(tx.handle_->db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
        std::string text = message != nullptr ? message : "unknown";
        sqlite3_free(message);
        return fail(ErrorKind::Internal, "migration_failed",
                    "migration " + std::to_string(next + 1) + ": " + text);
      }
      if (auto r = tx.execute("DELETE FROM schema_version"); !r) return fail(r.error());
      if (auto r = tx.execute("INSERT INTO schema_version(version) VALUES (?)",
                              {static_cast<std::int64_t>(next + 1)});
          !r) {
        return fail(r.error());
      }
      return {};
    });
    if (!applied) return applied;
  }
  schemaVersion_ = static_cast<int>(all.size());
  return {};
}

Result<std::vector<Row>> Database::query(std::string_view sql, const std::vector<Value>& params) {
  return run(sql, params, nullptr);
}

Result<std::int64_t> Database::execute(std::string_view sql, const std::vector<Value>& params) {
  std::int64_t changes = 0;
  auto rows = run(sql, params, &changes);
  if (!rows) return fail(rows.error());
  return changes;
}

Result<std::vector<Row>> Database::run(std::string_view sql, const std::vector<Value>& params,
                                       std::int64_t* changes) {
  std::lock_guard lock(mutex_);
  sqlite3* db = handle_->db;
  sqlite3_stmt* stmt = nullptr;
  if (auto it = handle_->statements.find(sql); it != handle_->statements.end()) {
    stmt = it->second;
  } else {
    if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                           &stmt, nullptr) != SQLITE_OK) {
      return fail(sqliteError(db, "prepare"));
    }
    handle_->statements.emplace(std::string(sql), stmt);
  }
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  for (std::size_t i = 0; i < params.size(); ++i) {
    int index = static_cast<int>(i) + 1;
    const Value& v = params[i];
    int rc = SQLITE_OK;
    if (std::holds_alternative<std::nullptr_t>(v)) {
      rc = sqlite3_bind_null(stmt, index);
    } else if (const auto* n = std::get_if<std::int64_t>(&v)) {
      rc = sqlite3_bind_int64(stmt, index, *n);
    } else if (const auto* s = std::get_if<std::string>(&v)) {
      rc = sqlite3_bind_text64(stmt, index, s->data(), s->size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    } else if (const auto* b = std::get_if<Blob>(&v)) {
      rc = sqlite3_bind_blob64(stmt, index, b->bytes.data(), b->bytes.size(), SQLITE_TRANSIENT);
    }
    if (rc != SQLITE_OK) return fail(sqliteError(db, "bind"));
  }
  std::vector<Row> rows;
  for (;;) {
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) {
      Error error = sqliteError(db, "step");
      sqlite3_reset(stmt);
      return fail(error);
    }
    int columns = sqlite3_column_count(stmt);
    std::vector<Value> values;
    values.reserve(static_cast<std::size_t>(columns));
    for (int c = 0; c < columns; ++c) {
      switch (sqlite3_column_type(stmt, c)) {
        case SQLITE_INTEGER:
          values.emplace_back(static_cast<std::int64_t>(sqlite3_column_int64(stmt, c)));
          break;
        case SQLITE_TEXT:
          values.emplace_back(
              std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, c)),
                          static_cast<std::size_t>(sqlite3_column_bytes(stmt, c))));
          break;
        case SQLITE_BLOB: {
          const void* data = sqlite3_column_blob(stmt, c);
          auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt, c));
          values.emplace_back(
              Blob{data != nullptr ? std::string(static_cast<const char*>(data), size) : ""});
          break;
        }
        default:
          values.emplace_back(nullptr);
      }
    }
    rows.emplace_back(std::move(values));
  }
  if (changes != nullptr) *changes = sqlite3_changes64(db);
  sqlite3_reset(stmt);
  return rows;
}

Result<void> Database::transaction(const std::function<Result<void>(Database& tx)>& body) {
  std::lock_guard lock(mutex_);
  assert(!handle_->inTransaction && "transactions never nest");
  if (auto r = execute("BEGIN IMMEDIATE"); !r) return fail(r.error());
  handle_->inTransaction = true;
  Result<void> outcome = body(*this);
  handle_->inTransaction = false;
  if (!outcome) {
    (void)execute("ROLLBACK");
    return outcome;
  }
  if (auto r = execute("COMMIT"); !r) {
    (void)execute("ROLLBACK");
    return fail(r.error());
  }
  return {};
}

}  // namespace stele::store
