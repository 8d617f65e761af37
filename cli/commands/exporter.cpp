// graflowctl exporter [--listen ADDR:PORT] [--key-prefix P | --queue SPEC]... [--scrape-timeout 1s]
#include "app.hpp"
#include "usage.hpp"

#include "graflow/actions/resolve.hpp"
#include "graflow/core/duration.hpp"
#include "graflow/core/error.hpp"
#include "graflow/core/signals.hpp"
#include "graflow/exporter/run.hpp"
#include "graflow/core/log.hpp"
#include "graflow/net/server.hpp"
#include "graflow/redis/connect.hpp"
#include "graflow/redis/store.hpp"
#include "graflow/redis/url.hpp"

#include <CLI/CLI.hpp>
#include <malloc.h>
#include <memory>
#include <sys/resource.h>

namespace graflow::cli {
namespace {

struct ExporterOptions {
  std::string listen = "0.0.0.0:8000";
  std::vector<std::string> prefixes;
  std::vector<std::string> queues;
  std::string scrape_timeout = "1s";
};

// Every connection is a file descriptor: the event-driven server holds thousands of idle
// ones (Prometheus, probes, a load test) only if the soft limit (often 1024) is raised to
// the hard one, which any process may do.
void raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) {
    return;
  }
  const rlim_t before = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &limit) == 0) {
    log::debug(1, "open file limit raised from {} to {}", before, limit.rlim_max);
  }
}

void run_exporter(Globals& g, const ExporterOptions& opts) {
  exporter::Options o;
  o.listen = exporter::parse_listen(opts.listen);
  // Redis only: the exporter reads no profile (its Deployment gets everything by flags).
  const actions::Services services = make_services(g, ProfileUse::redis_only());
  // The key prefixes are checked as before (messages scripts know); queue_specs() checks the rest.
  if (!opts.prefixes.empty()) {
    exporter::validate_prefixes(opts.prefixes);
  }
  o.queues = actions::queue_specs({opts.prefixes, opts.queues},
                                  {g.key_prefix.empty() ? std::vector<std::string>{} : std::vector<std::string>{g.key_prefix},
                                   g.queues},
                                  services.env, nullptr);
  o.scrape_timeout = parse_duration(opts.scrape_timeout, "--scrape-timeout");
  if (o.scrape_timeout.count() < 10) {
    throw usage_error("--scrape-timeout must be at least 10ms");
  }
  const redis::Address address = services.resolved.redis;
  o.redis_endpoint = address.endpoint();
  // A reply later than the scrape timeout is useless to the scrape: the same bound
  // applies to connecting and to every reply.
  const auto timeout = o.scrape_timeout;

  // A few threads (event loop, collector reader and timer, signal watcher) allocate: two
  // malloc arenas are enough, and keep RSS small. Set before the first of those threads
  // starts, so mallopt's lack of thread safety (concurrency-mt-unsafe) does not apply.
  mallopt(M_ARENA_MAX, 2); // NOLINT(concurrency-mt-unsafe)
  const SignalWatcher signals;
  raise_open_file_limit();
  const std::unique_ptr<net::HttpServer> server = net::make_http_server();
  exporter::serve(o, *server, [address, timeout] { return redis::connect(address, timeout); },
                  signals);
}

} // namespace

void setup_exporter(CLI::App& app, Globals& g) {
  auto opts = std::make_shared<ExporterOptions>();
  auto* cmd = app.add_subcommand("exporter", "serve the queue depth to Prometheus (/metrics, /healthz, /readyz)");
  cmd->add_option("--listen", opts->listen, "numeric IP address and port to serve on (ADDR:PORT, [IPv6]:PORT or :PORT)");
  cmd->add_option("--key-prefix", opts->prefixes,
                  "queue key prefix to export (repeatable: all read in one Redis round trip per scrape; "
                  "default: the global --key-prefix, $KEY_PREFIX, graflow)")
      ->check(key_prefix_value());
  cmd->add_option("--queue", opts->queues,
                  "queue of another layout to export: LAYOUT:NAME[,option=value...] (repeatable; read in the same "
                  "round trip)");
  cmd->add_option("--scrape-timeout", opts->scrape_timeout,
                  "longest a scrape waits for Redis before answering graflow_redis_up 0");
  cmd->callback([&g, opts] {
    check_output(g.output, "exporter", {"text"}, "its log as text");
    g.action = [&g, opts] { run_exporter(g, *opts); }; });
}

} // namespace graflow::cli
