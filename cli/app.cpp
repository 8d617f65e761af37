#include "app.hpp"

#include "graflow/core/duration.hpp"
#include "graflow/core/env.hpp"
#include "graflow/core/error.hpp"
#include "graflow/core/log.hpp"
#include "graflow/kube/client.hpp"
#include "graflow/redis/url.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <cstdlib>
#include <ostream>
#include <unistd.h>

namespace graflow::cli {

Format Globals::format() const { return parse_format(output); }

config::Config Globals::load_config() const { return config::load_config(config_file, graflow::ProcessEnv{}); }

std::chrono::milliseconds Globals::redis_timeout_ms() const {
  auto d = parse_duration(redis_timeout, "--redis-timeout");
  if (d.count() <= 0) {
    throw usage_error("--redis-timeout must be greater than zero");
  }
  return d;
}

redis::Address Globals::redis_address(const std::string& profile_url) const {
  const ProcessEnv env;
  const auto chosen = redis::choose_url(redis_url, profile_url, env);
  redis::Address a = redis::parse_url(chosen.url);
  redis::apply_password(a, redis_password_file, env);
  const std::pair<const char*, bool> tls_flags[] = {
      {"--redis-ca-file", !redis_ca_file.empty()},
      {"--redis-cert-file", !redis_cert_file.empty()},
      {"--redis-key-file", !redis_key_file.empty()},
      {"--redis-tls-server-name", !redis_tls_server_name.empty()},
      {"--redis-insecure-skip-tls-verify", redis_insecure_skip_tls_verify}};
  for (const auto& [flag, given] : tls_flags) {
    if (given && !a.tls.enabled) {
      throw usage_error(fmt::format("{} needs a rediss:// URL (the Redis URL from {} is not TLS)", flag, chosen.source));
    }
  }
  if (redis_cert_file.empty() != redis_key_file.empty()) {
    throw usage_error("--redis-cert-file and --redis-key-file go together");
  }
  a.tls.ca_file = redis_ca_file;
  a.tls.cert_file = redis_cert_file;
  a.tls.key_file = redis_key_file;
  a.tls.server_name = redis_tls_server_name;
  a.tls.insecure = redis_insecure_skip_tls_verify;
  if (a.tls.insecure && err != nullptr) {
    *err << "graflowctl: warning: --redis-insecure-skip-tls-verify: the certificate of Redis at " << a.endpoint()
         << " is not verified, so anyone on the network path can read and change this connection\n";
  }
  return a;
}

std::vector<config::Override> Globals::prefix_overrides() const {
  if (!key_prefix.empty()) {
    return {{"keyPrefix=" + key_prefix, "--key-prefix"}};
  }
  if (const char* env = std::getenv("KEY_PREFIX"); env != nullptr && *env != '\0') {
    return {{std::string("keyPrefix=") + env, "$KEY_PREFIX"}};
  }
  return {};
}

std::string Globals::profile_or_default(const std::string& flag, const config::Config& config) {
  if (!flag.empty()) {
    return flag;
  }
  return config.default_profile().value_or("");
}

std::unique_ptr<kube::Client> Globals::kube_client() const {
  kube::LoadOptions load;
  load.kubeconfig = kubeconfig;
  load.context = context;
  load.namespace_ = namespace_;
  kube::ClientOptions options;
  options.request_timeout = parse_duration(request_timeout, "--request-timeout");
  if (options.request_timeout.count() <= 0) {
    throw usage_error("--request-timeout must be greater than zero");
  }
  return kube::make_client(load, options);
}

bool Globals::color() const {
  const char* env = std::getenv("NO_COLOR");
  return !no_color && (env == nullptr || *env == '\0') && isatty(STDOUT_FILENO) != 0;
}

std::unique_ptr<CLI::App> make_app(Globals& g) {
  auto app_ptr = std::make_unique<CLI::App>(
      "graflowctl: make a Kubernetes worker Deployment follow a Redis queue (HPA + Prometheus + prometheus-adapter)",
      "graflowctl");
  CLI::App& app = *app_ptr;
  app.set_version_flag("--version", std::string("graflowctl ") + GRAFLOW_VERSION);
  app.fallthrough();
  app.require_subcommand(1);
  app.option_defaults()->always_capture_default();
  app.add_option("--config", g.config_file, "config file (default ./graflow.yaml, then $XDG_CONFIG_HOME/graflowctl/config.yaml)")
      ->envname("GRAFLOW_CONFIG");
  app.add_option("--kubeconfig", g.kubeconfig, "kubeconfig file(s), ':'-separated (default $KUBECONFIG, ~/.kube/config)");
  app.add_option("--context", g.context, "kubeconfig context to use");
  app.add_option("-n,--namespace", g.namespace_, "namespace (default: the profile's, then the context's)");
  app.add_option("--redis-url", g.redis_url, "redis[s]://[user:password@]host[:port][/db] or unix:///path (env GRAFLOW_REDIS_URL)");
  app.add_option("--redis-timeout", g.redis_timeout, "bound on connecting to Redis and on each whole reply");
  app.add_option("--redis-password-file", g.redis_password_file,
                 "file holding the Redis password (one trailing newline dropped; env GRAFLOW_REDIS_PASSWORD)");
  app.add_option("--redis-ca-file", g.redis_ca_file, "CA certificates (PEM) for rediss:// (default: the system's)");
  app.add_option("--redis-cert-file", g.redis_cert_file, "client certificate (PEM) for rediss:// (mTLS)");
  app.add_option("--redis-key-file", g.redis_key_file, "client key (PEM) for --redis-cert-file");
  app.add_option("--redis-tls-server-name", g.redis_tls_server_name,
                 "name sent as SNI and checked in the certificate (default: the URL's host)");
  app.add_flag("--redis-insecure-skip-tls-verify", g.redis_insecure_skip_tls_verify,
               "do not verify the Redis server's certificate (insecure: prints a warning)");
  app.add_option("--request-timeout", g.request_timeout, "timeout of each Kubernetes API request");
  app.add_option("--key-prefix", g.key_prefix, "queue key prefix; the queue is PREFIX:queue (env KEY_PREFIX)");
  app.add_option("-o,--output", g.output, "output format")->check(CLI::IsMember({"text", "json", "yaml"}));
  app.add_flag("-v,--verbose", g.verbosity, "log what graflowctl does on stderr (repeat for more)");
  app.add_flag("--no-color", g.no_color, "no colours (also when NO_COLOR is set)");

  setup_profiles(app, g);
  setup_render(app, g);
  setup_queue(app, g);
  setup_adapter(app, g);
  setup_deploy(app, g);
  setup_scale(app, g);
  setup_status(app, g);
  setup_exporter(app, g);
  setup_doctor(app, g);
  setup_simulate(app, g);
  setup_completion(app, g);

  return app_ptr;
}

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  Globals g;
  g.out = &out;
  g.err = &err;
  auto app_ptr = make_app(g);
  CLI::App& app = *app_ptr;

  try {
    try {
      app.parse(argc, argv);
    } catch (const CLI::Success& e) {
      // --help (of whichever command was named) and --version
      return app.exit(e, out, err);
    } catch (const CLI::ParseError& e) {
      err << "graflowctl: error: " << e.what() << "\nRun 'graflowctl --help' for usage.\n";
      return static_cast<int>(Exit::usage);
    }
    log::set_verbosity(g.verbosity);
    if (g.action) {
      g.action();
    }
    return 0;
  } catch (const Error& e) {
    out.flush();
    // Ctrl-C in a command that has nothing to report ends quietly with 130.
    if (e.code() != Exit::interrupted || *e.what() != '\0') {
      err << "graflowctl: error: " << e.what() << '\n';
    }
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    out.flush();
    err << "graflowctl: error: " << e.what() << '\n';
    return static_cast<int>(Exit::failure);
  }
}

} // namespace graflow::cli
