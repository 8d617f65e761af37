// graflowctl queue depth [--key-prefix P]... [--profile NAME] [--watch [--interval 2s]]
#include "app.hpp"

#include "graflow/actions/queue.hpp"
#include "graflow/core/duration.hpp"
#include "graflow/core/error.hpp"
#include "graflow/core/signals.hpp"
#include "graflow/redis/url.hpp"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <unistd.h>

namespace graflow::cli {
namespace {

struct DepthOptions {
  std::vector<std::string> prefixes;
  std::string profile;
  bool watch = false;
  std::string interval = "2s";
};

void run_depth(Globals& g, const DepthOptions& opts) {
  const auto config = g.load_config();
  const std::string profile_name = Globals::profile_or_default(opts.profile, config);
  std::optional<config::ResolvedProfile> resolved;
  if (!profile_name.empty()) {
    resolved = config.resolve(profile_name, g.prefix_overrides());
  }
  std::vector<std::string> prefixes = opts.prefixes;
  if (prefixes.empty()) {
    if (!g.key_prefix.empty()) {
      prefixes.push_back(g.key_prefix);
    } else if (const char* env = std::getenv("KEY_PREFIX"); env != nullptr && *env != '\0') {
      prefixes.emplace_back(env);
    } else {
      prefixes.push_back(resolved ? resolved->profile.key_prefix : "graflow");
    }
  }
  const redis::Address address = g.redis_address(resolved ? resolved->profile.redis_url.value_or("") : "");
  const auto timeout = g.redis_timeout_ms();
  const config::Profile* profile = resolved ? &resolved->profile : nullptr;
  const Format format = g.format();

  if (!opts.watch) {
    redis::Connection conn(address, timeout);
    actions::print_queues(*g.out, actions::read_queues(conn, prefixes, profile), format);
    return;
  }
  actions::WatchOptions w;
  w.prefixes = prefixes;
  w.profile = profile;
  w.interval = parse_duration(opts.interval, "--interval");
  if (w.interval.count() < 100) {
    throw usage_error("--interval must be at least 100ms");
  }
  w.format = format;
  w.terminal = isatty(STDOUT_FILENO) != 0;
  const SignalWatcher signals;
  // The signal pipe wakes a read in progress: Ctrl-C ends within 200 ms even mid-reply.
  actions::watch_queues([&] { return std::make_unique<redis::Connection>(address, timeout, signals.fd()); }, w,
                        signals, *g.out, *g.err);
}

} // namespace

void setup_queue(CLI::App& app, Globals& g) {
  auto opts = std::make_shared<DepthOptions>();
  auto* cmd = app.add_subcommand("queue", "inspect the Redis queue");
  cmd->require_subcommand(1);
  auto* depth = cmd->add_subcommand("depth", "show the queue depth and the workers the HPA would want");
  depth->add_option("--key-prefix", opts->prefixes, "queue key prefix (repeatable: all read in one round trip)");
  depth->add_option("-p,--profile", opts->profile, "profile whose averageValue, minReplicas and maxReplicas apply");
  depth->add_flag("-w,--watch", opts->watch, "refresh until interrupted");
  depth->add_option("--interval", opts->interval, "refresh interval with --watch");
  depth->callback([&g, opts] { g.action = [&g, opts] { run_depth(g, *opts); }; });
}

} // namespace graflow::cli
