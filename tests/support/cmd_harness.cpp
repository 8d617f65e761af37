#include "cmd_harness.hpp"

#include "app.hpp"
#include "store.hpp"

#include <sstream>

namespace graflow::testing {

helm::RunResult RecordingRunner::run(const std::vector<std::string>& argv, bool /*capture*/, std::ostream& /*out*/,
                                     std::ostream& /*err*/) {
  calls.push_back(argv);
  if (results.empty()) {
    return {};
  }
  helm::RunResult r = results.front();
  results.erase(results.begin());
  return r;
}

std::chrono::system_clock::time_point test_epoch() {
  return std::chrono::system_clock::from_time_t(1772366400); // 2026-03-01T12:00:00Z
}

CmdEnv::CmdEnv() {
  write_text(dir / "kubeconfig", kube.kubeconfig());
  env.set("XDG_STATE_HOME", (dir / "state").string());
  // The fake server's clock is the test's: managedFields times and Date headers move with it.
  fake::set_time_source([this] { return std::chrono::system_clock::to_time_t(clock.now() + server_skew); });
  platform_.env = &env;
  platform_.clock = &clock;
  platform_.http = kube.http_factory();
  platform_.runner = &runner;
  platform_.redis = [](const redis::Address& a, std::chrono::milliseconds timeout,
                       int cancel_fd) -> std::unique_ptr<redis::QueueStore> {
    return std::make_unique<redis::Connection>(a, timeout, cancel_fd);
  };
  platform_.terminal = false;
}

CmdEnv::~CmdEnv() { fake::set_time_source(nullptr); }

CliRun CmdEnv::run(const std::vector<std::string>& args) {
  std::vector<std::string> all = {"graflowctl", "--kubeconfig", (dir / "kubeconfig").string(), "--request-timeout",
                                  "2s", "--redis-url", redis_url};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<const char*> argv;
  for (const auto& a : all) {
    argv.push_back(a.c_str());
  }
  std::ostringstream out;
  std::ostringstream err;
  const int code = cli::run(static_cast<int>(argv.size()), argv.data(), out, err, platform_);
  return CliRun{code, scrub(out.str()), scrub(err.str())};
}

std::string CmdEnv::scrub(const std::string& raw) const {
  std::string text = raw;
  const std::string tmp = dir.path().string();
  for (auto pos = text.find(tmp); pos != std::string::npos; pos = text.find(tmp, pos)) {
    text.replace(pos, tmp.size(), "$TMP");
  }
  return text;
}

} // namespace graflow::testing
