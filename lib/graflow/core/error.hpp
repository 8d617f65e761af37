#pragma once
// One error type for the whole library. It carries the exit code the CLI should use, so
// callers add context (`cannot reach Redis at h:p: ...`) and main() prints and exits once.
#include <stdexcept>
#include <system_error>
#include <string>
#include <utility>

namespace graflow {

enum class Exit : int { ok = 0, failure = 1, usage = 2, interrupted = 130 };

class Error : public std::runtime_error {
public:
  Error(Exit code, const std::string& message) : std::runtime_error(message), code_(code) {}
  [[nodiscard]] Exit code() const noexcept { return code_; }

private:
  Exit code_;
};

// Bad usage, bad config or bad input: exit 2.
[[nodiscard]] inline Error usage_error(const std::string& message) {
  return {Exit::usage, message};
}
// An external system failed (Redis, Kubernetes, helm, a check): exit 1.
[[nodiscard]] inline Error failure(const std::string& message) {
  return {Exit::failure, message};
}
// The user interrupted an operation (after any clean-up): exit 130.
[[nodiscard]] inline Error interrupted(const std::string& message) {
  return {Exit::interrupted, message};
}

// The text of an errno value ("No such file or directory"), like strerror but safe to call
// from several threads at once (the exporter's workers, the collector).
[[nodiscard]] inline std::string errno_text(int err) { return std::generic_category().message(err); }

} // namespace graflow
