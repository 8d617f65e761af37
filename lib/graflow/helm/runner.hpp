#pragma once
// Running helm (or any tool) without a shell, through core/process.
#include "graflow/core/env.hpp"

#include <iosfwd>
#include <string>
#include <vector>

namespace graflow::helm {

struct RunResult {
  int exit_code = 0;
  std::string out;       // stdout, when captured
  std::string err_tail;  // the last lines of stderr, for error messages
};

class Runner {
public:
  virtual ~Runner() = default;
  // Runs argv[0] (looked up in PATH) with argv. stderr is streamed to `err` as it comes;
  // stdout is captured into the result when `capture` is true, else streamed to `out`.
  // Throws a failure Error when the program cannot be started.
  virtual RunResult run(const std::vector<std::string>& argv, bool capture, std::ostream& out, std::ostream& err) = 0;
};

class ProcessRunner final : public Runner {
public:
  RunResult run(const std::vector<std::string>& argv, bool capture, std::ostream& out, std::ostream& err) override;
};

// helm from $HELM, else the first `helm` in PATH. Throws a failure Error that says how to
// get helm when there is none.
std::string find_helm(const Env& env);

} // namespace graflow::helm
