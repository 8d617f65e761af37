#pragma once
// The command line: global options, one file per command under commands/, and run(),
// which maps every error to one stderr line and an exit code.
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
namespace graflow::kube {
class Client;
}
namespace graflow::redis {
struct Address;
}

namespace graflow::cli {

struct Globals {
  std::string config_file;
  std::string kubeconfig;
  std::string context;
  std::string namespace_;
  std::string redis_url;
  std::string redis_timeout = "2s";
  std::string redis_password_file;
  std::string redis_ca_file;
  std::string redis_cert_file;
  std::string redis_key_file;
  std::string redis_tls_server_name;
  bool redis_insecure_skip_tls_verify = false;
  std::string request_timeout = "30s";
  std::string key_prefix;
  std::string output = "text";
  int verbosity = 0;
  bool no_color = false;

  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  // Set by the chosen command's parse callback; run after parsing succeeded.
  std::function<void()> action;

  [[nodiscard]] Format format() const;
  [[nodiscard]] config::Config load_config() const;
  [[nodiscard]] std::chrono::milliseconds redis_timeout_ms() const;
  // The Redis address from --redis-url/$GRAFLOW_REDIS_URL/$REDIS_HOST/`profile_url`, with
  // the password (--redis-password-file, $GRAFLOW_REDIS_PASSWORD) and the TLS flags; warns
  // on `err` when verification is off. A usage Error for TLS flags without rediss://.
  [[nodiscard]] redis::Address redis_address(const std::string& profile_url) const;
  // --key-prefix or $KEY_PREFIX as an override of the profile's keyPrefix.
  [[nodiscard]] std::vector<config::Override> prefix_overrides() const;
  // --profile NAME, else the config's defaultProfile; empty when neither.
  [[nodiscard]] static std::string profile_or_default(const std::string& flag, const config::Config& config);
  [[nodiscard]] bool color() const;
  // A Kubernetes client from --kubeconfig/$KUBECONFIG, --context, -n, --request-timeout.
  [[nodiscard]] std::unique_ptr<kube::Client> kube_client() const;
};

// The profile named by --profile (or the config's default) with --key-prefix/$KEY_PREFIX,
// -n and every --set applied. A usage Error when there is none. Used by render and deploy.
// `fallback` is used when neither --profile nor defaultProfile names one (nullptr: error).
config::ResolvedProfile resolve_profile_for(const Globals& g, const std::string& flag,
                                            const std::vector<std::string>& sets, const char* command,
                                            const char* fallback = nullptr);

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

// Runs graflowctl with the given arguments; returns the exit code.
int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

} // namespace graflow::cli
