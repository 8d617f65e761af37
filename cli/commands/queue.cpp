// graflowctl queue depth [--key-prefix P | --queue SPEC]... [--profile NAME] [--watch [--interval 2s]]
#include "app.hpp"
#include "usage.hpp"

#include "graflow/actions/queue.hpp"
#include "graflow/core/duration.hpp"

#include <CLI/CLI.hpp>

namespace graflow::cli {
namespace {

struct DepthCliOptions {
  std::string profile;
  std::string interval = "2s";
  actions::QueueDepthOptions depth;
};

} // namespace

void setup_queue(CLI::App& app, Globals& g) {
  auto opts = std::make_shared<DepthCliOptions>();
  auto* cmd = app.add_subcommand("queue", "inspect the Redis queue");
  cmd->require_subcommand(1);
  auto* depth = cmd->add_subcommand("depth", "show the queue depth and the workers the HPA would want");
  depth->add_option("--key-prefix", opts->depth.prefixes, "queue key prefix (repeatable: all read in one round trip)")
      ->check(key_prefix_value());
  depth->add_option("--queue", opts->depth.queues,
                    "queue of a layout: LAYOUT:NAME[,option=value...] (graflow, list, zset, stream, celery, rq, "
                    "sidekiq, bullmq; repeatable)");
  depth->add_option("-p,--profile", opts->profile, "profile whose averageValue, minReplicas and maxReplicas apply");
  depth->add_flag("-w,--watch", opts->depth.watch, "refresh until interrupted");
  auto* interval = depth->add_option("--interval", opts->interval, "refresh interval with --watch");
  depth->callback([&g, opts, interval] {
    check_needs(interval->count() > 0, "--interval", opts->depth.watch, "--watch");
    g.action = [&g, opts] {
      auto services = make_services(g, ProfileUse::optional("queue depth", opts->profile));
      actions::QueueDepthOptions d = opts->depth;
      d.interval = parse_duration(opts->interval, "--interval");
      actions::run_queue_depth(d, services, *g.out);
    };
  });
}

} // namespace graflow::cli
