#pragma once
// Runs the CLI in-process (no child process), capturing stdout, stderr and the exit code.
#include <string>
#include <vector>

namespace graflow::testing {

struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
};

// `args` excludes the program name. The environment variables graflowctl reads
// (GRAFLOW_*, KEY_PREFIX, REDIS_HOST, KUBECONFIG, NO_COLOR) are cleared first.
CliRun run_cli(const std::vector<std::string>& args);

// Compares `actual` (with the source directory replaced by $SRC) with golden file `name`;
// GRAFLOW_UPDATE_GOLDEN=1 rewrites it instead.
void check_golden(const std::string& golden_dir, const std::string& name, const std::string& actual);

} // namespace graflow::testing
