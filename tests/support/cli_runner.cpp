#include "cli_runner.hpp"

#include "app.hpp"
#include "harness.hpp"

#include <cstdlib>
#include <doctest/doctest.h>
#include <sstream>

namespace graflow::testing {

CliRun run_cli(const std::vector<std::string>& args) {
  for (const char* name : {"GRAFLOW_CONFIG", "GRAFLOW_REDIS_URL", "GRAFLOW_TEMPLATES", "KEY_PREFIX", "REDIS_HOST",
                           "KUBECONFIG", "NO_COLOR"}) {
    unsetenv(name);
  }
  std::vector<const char*> argv = {"graflowctl"};
  for (const auto& a : args) {
    argv.push_back(a.c_str());
  }
  std::ostringstream out;
  std::ostringstream err;
  const int code = cli::run(static_cast<int>(argv.size()), argv.data(), out, err);
  return CliRun{code, out.str(), err.str()};
}

void check_golden(const std::string& golden_dir, const std::string& name, const std::string& raw) {
  // The checkout's location must not matter: paths below it read as $SRC.
  std::string actual = raw;
  const std::string src = GRAFLOW_SOURCE_DIR;
  for (auto pos = actual.find(src); pos != std::string::npos; pos = actual.find(src, pos)) {
    actual.replace(pos, src.size(), "$SRC");
  }
  const auto path = std::filesystem::path(golden_dir) / name;
  if (const char* update = std::getenv("GRAFLOW_UPDATE_GOLDEN"); update != nullptr && *update == '1') {
    write_text(path, actual);
    return;
  }
  REQUIRE_MESSAGE(std::filesystem::exists(path), "missing golden file " << path << " (GRAFLOW_UPDATE_GOLDEN=1)");
  CHECK_MESSAGE(read_text(path) == actual, "output differs from " << path << " (GRAFLOW_UPDATE_GOLDEN=1 rewrites)");
}

} // namespace graflow::testing
