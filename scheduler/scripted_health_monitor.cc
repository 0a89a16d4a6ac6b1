#include "scheduler/scripted_health_monitor.h"

#include <fstream>
#include <sstream>

namespace stele::scheduler {

std::map<std::string, HealthReport> ScriptedHealthMonitor::reports(
    const std::vector<HealthTarget>& targets, std::int64_t) {
  std::map<std::string, HealthReport> out;
  for (const auto& target : targets) {
    std::ifstream file(directory_ + "/" + target.instanceId);
    if (!file) continue;
    std::stringstream text;
    text << file.rdbuf();
    std::string answer = text.str();
    while (!answer.empty() && (answer.back() == '\n' || answer.back() == ' ')) answer.pop_back();
    HealthReport report;
    if (answer == "pass") {
      report.passed = true;
      report.detail = "scripted pass";
    } else if (answer.starts_with("fail")) {
      report.failed = true;
      report.detail = answer.size() > 6 ? answer.substr(6, 200) : "scripted failure";
    }
    out[target.instanceId] = report;
  }
  return out;
}

}  // namespace stele::scheduler
