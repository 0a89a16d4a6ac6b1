// Injected time: production code asks a Clock, tests hand in a ManualClock.
//
// Time is milliseconds since the Unix epoch. Every time-dependent decision (probe periods,
// backoff, grace periods, deadlines) reads it from an injected Clock, never from the system.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace stele {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch.
  virtual std::int64_t nowMs() const = 0;
  // Whole seconds since the Unix epoch (rounded down).
  std::int64_t nowUnix() const {
    std::int64_t ms = nowMs();
    return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  }
};

class SystemClock final : public Clock {
 public:
  std::int64_t nowMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that moves only when a test moves it. Safe to read from other threads.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t nowUnixSeconds) : nowMs_(nowUnixSeconds * 1000) {}
  std::int64_t nowMs() const override { return nowMs_.load(); }
  void set(std::int64_t nowUnixSeconds) { nowMs_.store(nowUnixSeconds * 1000); }
  void setMs(std::int64_t nowMs) { nowMs_.store(nowMs); }
  void advanceMs(std::int64_t deltaMs) { nowMs_.fetch_add(deltaMs); }

 private:
  std::atomic<std::int64_t> nowMs_;
};

}  // namespace stele
