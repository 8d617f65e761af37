#pragma once
// Time as the library sees it. Nothing in lib/ reads the wall clock or sleeps directly:
// cli/ hands a SystemClock down through Services; tests use a FixedClock they advance.
#include <chrono>

namespace graflow {

class Clock {
public:
  virtual ~Clock() = default;
  // Wall-clock time, for timestamps that people and other systems read (RFC 3339).
  [[nodiscard]] virtual std::chrono::system_clock::time_point now() const = 0;
  // Monotonic time, for deadlines and durations.
  [[nodiscard]] virtual std::chrono::steady_clock::time_point steady() const = 0;
  // Waits `d` (a fake clock advances instead).
  virtual void sleep(std::chrono::milliseconds d) = 0;
};

class SystemClock final : public Clock {
public:
  [[nodiscard]] std::chrono::system_clock::time_point now() const override { return std::chrono::system_clock::now(); }
  [[nodiscard]] std::chrono::steady_clock::time_point steady() const override {
    return std::chrono::steady_clock::now();
  }
  void sleep(std::chrono::milliseconds d) override;
};

// A clock that moves only when told to: sleep() advances it.
class FixedClock final : public Clock {
public:
  explicit FixedClock(std::chrono::system_clock::time_point start) : wall_(start) {}
  [[nodiscard]] std::chrono::system_clock::time_point now() const override { return wall_; }
  [[nodiscard]] std::chrono::steady_clock::time_point steady() const override { return steady_; }
  void sleep(std::chrono::milliseconds d) override { advance(d); }
  void advance(std::chrono::milliseconds d) {
    wall_ += d;
    steady_ += d;
  }

private:
  std::chrono::system_clock::time_point wall_;
  std::chrono::steady_clock::time_point steady_{};
};

} // namespace graflow
