#pragma once
// The one way graflowctl runs another program (helm, exec credential plugins): argv
// straight to execve, no shell; stdout and stderr read through pipes; an optional timeout
// after which the program (and its process group) is killed. The child gets
// PR_SET_PDEATHSIG, so a graflowctl that is killed does not leave a plugin behind.
#include "graflow/core/env.hpp"
#include "graflow/core/error.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace graflow::process {

struct Options {
  // Variables set on top of this process's environment, which the child inherits.
  std::vector<std::pair<std::string, std::string>> env;
  // For the PATH lookup of an argv[0] without '/'; null: this process's environment.
  const Env* lookup_env = nullptr;
  bool inherit_stdin = false;  // else /dev/null
  bool inherit_stderr = false; // else read into on_stderr / Result::err
  // The child leads its own process group, so a timeout kills what it started too. Off for
  // programs that talk to the terminal: a background group cannot read it.
  bool own_process_group = true;
  std::optional<std::chrono::milliseconds> timeout; // none: wait as long as it runs
  std::function<void(std::string_view)> on_stdout;  // empty: captured into Result::out
  std::function<void(std::string_view)> on_stderr;  // empty: captured into Result::err
  std::size_t capture_limit = 4U << 20U;            // bytes kept per captured stream
};

struct Result {
  int exit_code = 0; // 128+N when killed by signal N
  bool timed_out = false;
  std::string out;
  std::string err;
  std::chrono::milliseconds elapsed{0};
};

// The program could not be started; error() is the errno (ENOENT: not found).
class StartError : public Error {
public:
  StartError(const std::string& message, int error) : Error(Exit::failure, message), error_(error) {}
  [[nodiscard]] int error() const noexcept { return error_; }

private:
  int error_;
};

// Runs argv (argv[0] looked up in PATH unless it has a '/') and waits for it. Throws a
// StartError ("cannot run X: reason") when it cannot be started. A timeout is reported in
// the Result (timed_out, exit code 137), not thrown: callers word it for their program.
Result run(const std::vector<std::string>& argv, const Options& options = {});

} // namespace graflow::process
