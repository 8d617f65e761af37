#pragma once
// In-process command runs on fakes, as helm's pkg/cmd/helpers_test.go: Services built from a
// FakeKube (tests/fakes/kube), a MapEnv, a FixedClock and a recording process runner, and the
// command run through cli::run(), the binary's own entry point.
#include "cli_runner.hpp"
#include "harness.hpp"
#include "kube/fake_kube.hpp"

#include "graflow/actions/services.hpp"
#include "graflow/core/clock.hpp"
#include "graflow/core/env.hpp"

#include <string>
#include <vector>

namespace graflow::testing {

// Records every argv and answers with the scripted result (exit 0 and no output by default).
class RecordingRunner final : public helm::Runner {
public:
  helm::RunResult run(const std::vector<std::string>& argv, bool capture, std::ostream& out,
                      std::ostream& err) override;
  std::vector<std::vector<std::string>> calls;
  std::vector<helm::RunResult> results; // popped from the front per call; empty: exit 0
};

// 2026-03-01T12:00:00Z: where every command test's clock starts.
std::chrono::system_clock::time_point test_epoch();

class CmdEnv {
public:
  CmdEnv();
  ~CmdEnv();

  FakeKube kube;
  MapEnv env;
  FixedClock clock{test_epoch()};
  RecordingRunner runner;
  TempDir dir{"graflow-cmd"};
  // The fake server's clock minus the test's (managedFields times, Date headers).
  std::chrono::seconds server_skew{0};
  // The --redis-url every run gets (a test with a real redis-server sets its URL).
  std::string redis_url = "redis://127.0.0.1:1";

  // graflowctl ARGS with --kubeconfig (the fake), --request-timeout 2s and --redis-url
  // redis_url (unreachable by default) before them; $XDG_STATE_HOME is dir/state.
  CliRun run(const std::vector<std::string>& args);
  // `text` with the temporary directory replaced by $TMP (for golden files).
  [[nodiscard]] std::string scrub(const std::string& text) const;

private:
  actions::Platform platform_;
};

} // namespace graflow::testing
