#pragma once
// SIGINT/SIGTERM/SIGHUP turned into a flag and a wake-up, so long waits (--watch, --hold,
// the exporter) can stop cleanly instead of dying mid-operation. SIGHUP is an SSH session
// dropping: it must clean up (a --hold reattaches) exactly like Ctrl-C.
#include <chrono>

namespace graflow {

class SignalWatcher {
public:
  // Installs handlers for SIGINT, SIGTERM and SIGHUP; the destructor restores the previous ones.
  SignalWatcher();
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  // The signal received so far, or 0.
  [[nodiscard]] int received() const;
  // Sleeps up to `d`; returns false at once when a signal arrives (or had arrived).
  bool sleep_for(std::chrono::milliseconds d) const;
  // A file descriptor that becomes readable when a signal arrives (for poll loops).
  [[nodiscard]] int fd() const;
};

} // namespace graflow
