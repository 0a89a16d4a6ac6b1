// SQLite, behind a small typed interface. One connection, one writer at a time; WAL mode and
// foreign keys on; the schema is migrated forward at open. sqlite3.h stays in database.cc.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/error.h"

namespace stele::store {

// A value bound to or read from a statement. Blobs are carried as std::string bytes in a
// Blob wrapper so they keep their type.
struct Blob {
  std::string bytes;
};
using Value = std::variant<std::nullptr_t, std::int64_t, std::string, Blob>;

class Row {
 public:
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}
  std::int64_t integer(std::size_t i) const;
  std::optional<std::int64_t> optionalInteger(std::size_t i) const;
  std::string text(std::size_t i) const;  // Blob or text; empty for NULL.
  bool isNull(std::size_t i) const;

 private:
  std::vector<Value> values_;
};

class Database {
 public:
  // Opens (creating if needed) the database at `path` and migrates it to the newest schema.
  static Result<std::unique_ptr<Database>> open(const std::string& path);
  ~Database();

  // Runs one statement; returns every row it produced.
  Result<std::vector<Row>> query(std::string_view sql, const std::vector<Value>& params = {});
  // Runs one statement for its effect; returns the number of rows changed.
  Result<std::int64_t> execute(std::string_view sql, const std::vector<Value>& params = {});

  // Runs `body` inside BEGIN IMMEDIATE/COMMIT, rolling back if it returns an error. Queries made
  // through `tx` inside `body` are part of the transaction. Transactions never nest.
  Result<void> transaction(const std::function<Result<void>(Database& tx)>& body);

  int schemaVersion() const { return schemaVersion_; }

 private:
  struct Handle;
  explicit Database(std::unique_ptr<Handle> handle);
  Result<void> migrate();
  Result<std::vector<Row>> run(std::string_view sql, const std::vector<Value>& params,
                               std::int64_t* changes);

  std::unique_ptr<Handle> handle_;
  std::recursive_mutex mutex_;
  int schemaVersion_ = 0;
};

}  // namespace stele::store
