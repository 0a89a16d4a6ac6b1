// Command-line arguments: positionals, `--flag value`, `--flag=value`, repeated flags and
// boolean switches. Unknown flags are errors that name the flag.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/error.h"

namespace stele::cli {

class Args {
 public:
  // `valueFlags` take a value; `switches` do not. Both without the leading "--".
  static Result<Args> parse(const std::vector<std::string>& argv,
                            const std::set<std::string>& valueFlags,
                            const std::set<std::string>& switches = {});

  const std::vector<std::string>& positionals() const { return positionals_; }
  std::optional<std::string> value(const std::string& flag) const;
  std::string valueOr(const std::string& flag, const std::string& fallback) const;
  std::vector<std::string> values(const std::string& flag) const;
  bool has(const std::string& flag) const;

 private:
  std::vector<std::string> positionals_;
  std::map<std::string, std::vector<std::string>> values_;
  std::set<std::string> switches_;
};

}  // namespace stele::cli
