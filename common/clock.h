// Injected time: production code asks a Clock, tests hand in a ManualClock.
#pragma once

#include <chrono>
#include <cstdint>

namespace stele {

class Clock {
 public:
  virtual ~Clock() = default;
  // Seconds since the Unix epoch.
  virtual std::int64_t nowUnix() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t nowUnix() const override {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t now) : now_(now) {}
  std::int64_t nowUnix() const override { return now_; }
  void set(std::int64_t now) { now_ = now; }

 private:
  std::int64_t now_;
};

}  // namespace stele
