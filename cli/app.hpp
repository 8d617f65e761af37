#pragma once
// The command line: global options, one file per command under commands/, and run(),
// which maps every error to one stderr line and an exit code.
#include "graflow/actions/resolve.hpp"
#include "graflow/actions/services.hpp"
#include "graflow/config/config.hpp"
#include "graflow/core/output.hpp"

#include <chrono>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace CLI {
class App;
}
namespace graflow::cli {

struct Globals {
  std::string config_file;
  std::string kubeconfig;
  std::string context;
  std::string namespace_;
  std::string redis_url;
  std::string redis_timeout = "2s";
  actions::RedisFlags redis_flags; // --redis-password-file and the TLS flags
  std::string request_timeout = "30s";
  std::string key_prefix;
  std::vector<std::string> queues; // --queue LAYOUT:NAME[,option=value...], repeatable
  std::string output = "text";
  int verbosity = 0;
  bool no_color = false;

  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  const actions::Platform* platform = nullptr; // the process's, or a test's fakes
  // Set by the chosen command's parse callback; run after parsing succeeded.
  std::function<void()> action;

  [[nodiscard]] Format format() const;
  [[nodiscard]] config::Config load_config() const;
  [[nodiscard]] std::chrono::milliseconds redis_timeout_ms() const;
  [[nodiscard]] bool color() const;
};

// How a command uses a profile, for make_services().
struct ProfileUse {
  enum class Need { required, optional, none };
  Need need = Need::required;
  std::string flag;              // the command's --profile
  std::vector<std::string> sets; // the command's --set
  const char* command = "";      // for "<command> needs --profile NAME"
  const char* fallback = nullptr; // used when neither --profile nor defaultProfile names one
  bool redis = false;             // resolve the Redis address and --redis-timeout too
  bool several_queues = false;    // the command reads every queue the flags name (queue depth)

  // A command that needs a profile (a usage Error without one), and maybe Redis.
  static ProfileUse required(const char* command, std::string flag, std::vector<std::string> sets,
                             const char* fallback = nullptr, bool redis = false) {
    return {Need::required, std::move(flag), std::move(sets), command, fallback, redis, false};
  }
  // A command that uses a profile when one is named (queue depth), and Redis.
  static ProfileUse optional(const char* command, std::string flag) {
    return {Need::optional, std::move(flag), {}, command, nullptr, true, true};
  }
  // A command that reads Redis but no profile (the exporter).
  static ProfileUse redis_only() { return {Need::none, {}, {}, "", nullptr, true, false}; }
  // A command that needs neither.
  static ProfileUse none() { return {Need::none, {}, {}, "", nullptr, false, false}; }
};

// Services for one command (cli/services.cpp): the platform's seams, and the profile, Redis
// address and output settings resolved by actions/resolve.hpp from the global flags.
actions::Services make_services(const Globals& g, const ProfileUse& use);

// The real environment, clock, HTTP module, process runner and Redis connector.
const actions::Platform& process_platform();

void setup_profiles(CLI::App& app, Globals& g);
void setup_render(CLI::App& app, Globals& g);
void setup_queue(CLI::App& app, Globals& g);
void setup_adapter(CLI::App& app, Globals& g);
void setup_deploy(CLI::App& app, Globals& g);
void setup_scale(CLI::App& app, Globals& g);
void setup_status(CLI::App& app, Globals& g);
void setup_doctor(CLI::App& app, Globals& g);
void setup_completion(CLI::App& app, Globals& g);
void setup_exporter(CLI::App& app, Globals& g);
void setup_simulate(CLI::App& app, Globals& g);

// The whole command tree with its options bound to `g` (for run(), completions and tests).
std::unique_ptr<CLI::App> make_app(Globals& g);

// Runs graflowctl with the given arguments on `platform`; returns the exit code. The binary
// and the in-process command tests both enter here.
int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err, const actions::Platform& platform);

// run() on process_platform().
int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

} // namespace graflow::cli
