// Running an exec credential plugin (through core/process) and the cache around it.
#include "graflow/core/duration.hpp"
#include "graflow/core/error.hpp"
#include "graflow/core/log.hpp"
#include "graflow/core/process.hpp"
#include "graflow/core/text.hpp"
#include "graflow/core/time.hpp"
#include "graflow/kube/exec_cache.hpp"
#include "graflow/kube/exec_credential.hpp"

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <unistd.h>

namespace graflow::kube {
using std::chrono::system_clock;

namespace {

std::string with_hint(std::string message, const ExecConfig& exec) {
  if (!exec.install_hint.empty()) {
    message += "\n" + text::tail(exec.install_hint, 2000);
  }
  return message;
}

// The end of a plugin's stderr for an error message: credentials redacted before it is cut,
// so a cut cannot leave half a token that no longer looks like one.
std::string shown_stderr(const std::string& err, std::size_t max) {
  constexpr std::size_t k_scan = 64U << 10U;
  std::string_view view = err;
  if (view.size() > k_scan) {
    view = view.substr(view.size() - k_scan);
    if (const auto nl = view.find('\n'); nl != std::string_view::npos) {
      view = view.substr(nl + 1); // start at a whole line
    }
  }
  return text::tail(text::redact_secrets(view), max);
}

} // namespace

ExecCredentialProvider::ExecCredentialProvider(RestConfig cluster, Options options)
    : cluster_(std::move(cluster)), exec_(cluster_.auth.exec.value()), options_(std::move(options)),
      key_(exec_cache::key_of(exec_, cluster_)) {}

system_clock::time_point ExecCredentialProvider::now() const {
  return options_.now ? options_.now() : system_clock::now();
}

ExecCredential ExecCredentialProvider::get() {
  const auto lock = exec_cache::lock();
  const auto valid = [&](const ExecCredential& c) { return !c.expiry || now() < *c.expiry; };
  if (auto c = exec_cache::memory_get(key_); c && valid(*c)) {
    return *c;
  }
  // On disk only credentials that expire (one without expiry is never written).
  if (auto c = exec_cache::disk_get(options_.cache_dir, key_, exec_.api_version, exec_.command);
      c && c->expiry && valid(*c)) {
    exec_cache::memory_put(key_, *c);
    return *c;
  }
  std::string raw;
  ExecCredential c = run_plugin(raw);
  if (c.expiry) {
    // A credential without expiry is kept in memory only, as client-go does.
    exec_cache::disk_put(options_.cache_dir, key_, raw, exec_.command);
    log::debug(2, "exec plugin {}: credential valid until {}", exec_.command, time::format_rfc3339(*c.expiry));
  }
  exec_cache::memory_put(key_, c);
  return c;
}

void ExecCredentialProvider::invalidate() {
  const auto lock = exec_cache::lock();
  exec_cache::memory_erase(key_);
  exec_cache::disk_erase(options_.cache_dir, key_);
}

void ExecCredentialProvider::clear_memory_cache() {
  const auto lock = exec_cache::lock();
  exec_cache::memory_clear();
}

ExecCredential ExecCredentialProvider::run_plugin(std::string& raw) {
  const std::string who = cluster_.user.empty() ? "" : fmt::format(" (user \"{}\")", cluster_.user);
  const std::string plugin = fmt::format("exec credential plugin \"{}\"{}", exec_.command, who);
  const bool tty = isatty(STDIN_FILENO) != 0;
  if (exec_.interactive_mode == "Always" && !tty) {
    throw failure(with_hint(
        fmt::format("{} needs a terminal (interactiveMode: Always) but standard input is not one", plugin), exec_));
  }
  const bool interactive = tty && exec_.interactive_mode != "Never";
  std::vector<std::string> argv = {exec_.command};
  argv.insert(argv.end(), exec_.args.begin(), exec_.args.end());

  process::Options o;
  o.env = exec_.env;
  o.env.emplace_back("KUBERNETES_EXEC_INFO", exec_info_json(exec_, cluster_, interactive));
  o.lookup_env = options_.env;
  o.inherit_stdin = interactive;
  o.inherit_stderr = interactive;
  // A plugin that prompts must stay in the terminal's foreground group to read it.
  o.own_process_group = !interactive;
  o.timeout = options_.timeout;
  process::Result r;
  try {
    r = process::run(argv, o);
  } catch (const process::StartError& e) {
    const std::string what = e.error() == ENOENT ? (exec_.command.find('/') == std::string::npos
                                                        ? std::string("was not found in PATH")
                                                        : std::string("does not exist"))
                                                 : fmt::format("cannot be started: {}", errno_text(e.error()));
    throw failure(with_hint(fmt::format("{} {}", plugin, what), exec_));
  }
  log::debug(1, "exec plugin {}: exit {} in {} ms", exec_.command, r.exit_code, r.elapsed.count());
  const std::string err = shown_stderr(r.err, 2000);
  if (r.timed_out) {
    throw failure(with_hint(fmt::format("{} did not finish within {} and was killed (--request-timeout){}", plugin,
                                        format_duration(options_.timeout), err.empty() ? "" : ": " + err),
                            exec_));
  }
  if (r.exit_code != 0) {
    throw failure(with_hint(
        fmt::format("{} failed with exit code {}{}", plugin, r.exit_code, err.empty() ? "" : ": " + err), exec_));
  }
  if (!r.err.empty()) {
    log::debug(2, "exec plugin {} wrote on stderr: {}", exec_.command, shown_stderr(r.err, 500));
  }
  ExecCredential c = parse_exec_credential(r.out, exec_.api_version, exec_.command);
  raw = std::move(r.out);
  return c;
}

} // namespace graflow::kube
