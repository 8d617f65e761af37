#include "app.hpp"
#include "usage.hpp"

#include "graflow/core/duration.hpp"
#include "graflow/core/error.hpp"
#include "graflow/core/log.hpp"
#include "graflow/core/printable.hpp"

#include <CLI/CLI.hpp>
#include <ios>
#include <ostream>

namespace graflow::cli {

Format Globals::format() const { return parse_format(output); }

config::Config Globals::load_config() const {
  auto config = config::load_config(config_file, *platform->env);
  actions::check_redis_urls(config);
  return config;
}

std::chrono::milliseconds Globals::redis_timeout_ms() const {
  auto d = parse_duration(redis_timeout, "--redis-timeout");
  if (d.count() <= 0) {
    throw usage_error("--redis-timeout must be greater than zero");
  }
  return d;
}

bool Globals::color() const {
  return !no_color && !platform->env->non_empty("NO_COLOR") && platform->terminal;
}

namespace {

// Whatever an error quotes (a file's bytes, a Redis reply, an API server's message) stays
// one line on the terminal: control characters and escape sequences are shown escaped, and
// an overlong message is cut.
std::string error_line(const char* what) { return printable(what, 1000); }

} // namespace

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
  app.add_option("-n,--namespace", g.namespace_, "namespace (default: the profile's, then the context's)")
      ->check(dns_label_value());
  app.add_option("--redis-url", g.redis_url, "redis[s]://[user:password@]host[:port][/db] or unix:///path (env GRAFLOW_REDIS_URL)");
  app.add_option("--redis-timeout", g.redis_timeout, "bound on connecting to Redis and on each whole reply");
  app.add_option("--redis-password-file", g.redis_flags.password_file,
                 "file holding the Redis password (one trailing newline dropped; env GRAFLOW_REDIS_PASSWORD)");
  app.add_option("--redis-user", g.redis_flags.user,
                 "Redis ACL user (wins over the URL's; env GRAFLOW_REDIS_USER)");
  app.add_option("--redis-ca-file", g.redis_flags.ca_file, "CA certificates (PEM) for rediss:// (default: the system's)");
  app.add_option("--redis-cert-file", g.redis_flags.cert_file, "client certificate (PEM) for rediss:// (mTLS)");
  app.add_option("--redis-key-file", g.redis_flags.key_file, "client key (PEM) for --redis-cert-file");
  app.add_option("--redis-tls-server-name", g.redis_flags.server_name,
                 "name sent as SNI and checked in the certificate (default: the URL's host)");
  app.add_flag("--redis-insecure-skip-tls-verify", g.redis_flags.insecure,
               "do not verify the Redis server's certificate (insecure: prints a warning)");
  app.add_option("--redis-sentinel-user", g.redis_flags.sentinel_user, "ACL user for the sentinels of a redis+sentinel:// URL");
  app.add_option("--redis-sentinel-password-file", g.redis_flags.sentinel_password_file,
                 "file holding the password of the sentinels (env GRAFLOW_REDIS_SENTINEL_PASSWORD)");
  app.add_option("--request-timeout", g.request_timeout, "timeout of each Kubernetes API request");
  app.add_option("--key-prefix", g.key_prefix, "queue key prefix; the queue is PREFIX:queue (env KEY_PREFIX)")
      ->check(key_prefix_value());
  app.add_option("--queue", g.queues, "a queue of another layout: LAYOUT:NAME[,option=value...] (repeatable)");
  app.add_option("-o,--output", g.output, "output format")->check(one_of({"text", "json", "yaml"}));
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
  return run(argc, argv, out, err, process_platform());
}

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err, const actions::Platform& platform) {
  Globals g;
  g.out = &out;
  g.err = &err;
  g.platform = &platform;
  auto app_ptr = make_app(g);
  CLI::App& app = *app_ptr;

  // Output is whole or the command fails (DESIGN.md §10): every write to stdout throws when
  // it fails, and the final flush is checked before exit 0.
  throw_on_failed_writes(out);
  // A failed write, or an error after one: the write is what to report.
  const auto write_failed = [&] {
    err << "graflowctl: error: " << write_failure(out, "stdout") << '\n';
    return static_cast<int>(Exit::failure);
  };
  // Flushes what the command printed before its error line, without throwing again.
  const auto flush_quietly = [&] {
    out.exceptions(std::ios::goodbit);
    out.flush();
  };
  try {
    try {
      app.parse(argc, argv);
    } catch (const CLI::Success& e) {
      // --help (of whichever command was named) and --version
      const int code = app.exit(e, out, err);
      check_written(out, "stdout");
      return code;
    } catch (const CLI::ParseError& e) {
      // One line in graflowctl's words, naming the command whose --help tells more.
      err << "graflowctl: error: " << parse_error_message(app, e) << '\n';
      return static_cast<int>(Exit::usage);
    }
    log::set_verbosity(g.verbosity);
    if (g.action) {
      g.action();
    }
    check_written(out, "stdout");
    return 0;
  } catch (const Error& e) {
    flush_quietly();
    // Ctrl-C in a command that has nothing to report ends quietly with 130.
    if (e.code() != Exit::interrupted || *e.what() != '\0') {
      err << "graflowctl: error: " << error_line(e.what()) << '\n';
    }
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    if (out.bad()) {
      return write_failed(); // the std::ios_base::failure of a write to stdout
    }
    flush_quietly();
    err << "graflowctl: error: " << error_line(e.what()) << '\n';
    return static_cast<int>(Exit::failure);
  }
}

} // namespace graflow::cli
