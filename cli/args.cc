#include "cli/args.h"

namespace stele::cli {

Result<Args> Args::parse(const std::vector<std::string>& argv,
                         const std::set<std::string>& valueFlags,
                         const std::set<std::string>& switches) {
  Args args;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (!arg.starts_with("-") || arg == "-") {
      args.positionals_.push_back(arg);
      continue;
    }
    std::string name = arg.starts_with("--") ? arg.substr(2) : arg.substr(1);
    std::optional<std::string> inlineValue;
    if (auto eq = name.find('='); eq != std::string::npos) {
      inlineValue = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (switches.contains(name) && !inlineValue) {
      args.switches_.insert(name);
    } else if (valueFlags.contains(name)) {
      if (!inlineValue) {
        if (i + 1 >= argv.size()) {
          return fail(ErrorKind::InvalidArgument, "usage", "--" + name + " needs a value");
        }
        inlineValue = argv[++i];
      }
      args.values_[name].push_back(*inlineValue);
    } else {
      return fail(ErrorKind::InvalidArgument, "usage", "unknown option " + arg);
    }
  }
  return args;
}

std::optional<std::string> Args::value(const std::string& flag) const {
  auto it = values_.find(flag);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::string Args::valueOr(const std::string& flag, const std::string& fallback) const {
  return value(flag).value_or(fallback);
}

std::vector<std::string> Args::values(const std::string& flag) const {
  auto it = values_.find(flag);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

bool Args::has(const std::string& flag) const {
  return switches_.contains(flag) || values_.contains(flag);
}

}  // namespace stele::cli
