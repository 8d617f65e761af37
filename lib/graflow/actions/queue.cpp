#include "graflow/actions/queue.hpp"

#include "graflow/actions/resolve.hpp"

#include "graflow/core/error.hpp"
#include "graflow/core/signals.hpp"
#include "graflow/core/table.hpp"

#include <algorithm>
#include <ctime>
#include <fmt/format.h>
#include <ostream>

namespace graflow::actions {

std::vector<QueueReading> read_queues(redis::QueueStore& store, const std::vector<std::string>& prefixes,
                                      const config::Profile* profile) {
  std::vector<std::string> keys;
  keys.reserve(prefixes.size());
  for (const auto& p : prefixes) {
    keys.push_back(p + ":queue");
  }
  auto depths = store.known_lengths(keys);
  std::vector<QueueReading> out;
  for (std::size_t i = 0; i < prefixes.size(); ++i) {
    QueueReading r{prefixes[i], keys[i], depths.at(i).value, std::nullopt, std::move(depths.at(i).unknown)};
    if (profile != nullptr && r.depth) {
      r.desired_workers = config::desired_workers(*r.depth, *profile);
    }
    out.push_back(std::move(r));
  }
  return out;
}

namespace {

nlohmann::ordered_json to_json(const std::vector<QueueReading>& readings) {
  nlohmann::ordered_json queues = nlohmann::ordered_json::array();
  for (const auto& r : readings) {
    nlohmann::ordered_json q = {{"key_prefix", r.key_prefix}, {"key", r.key}, {"depth", nullptr}};
    if (r.depth) {
      q["depth"] = *r.depth;
    }
    if (r.desired_workers) {
      q["desired_workers"] = *r.desired_workers;
    }
    queues.push_back(std::move(q));
  }
  return nlohmann::ordered_json{{"queues", std::move(queues)}};
}

} // namespace

void print_queues(std::ostream& out, const std::vector<QueueReading>& readings, Format format) {
  if (format != Format::text) {
    write_structured(out, to_json(readings), format);
    return;
  }
  const bool with_workers =
      std::any_of(readings.begin(), readings.end(), [](const auto& r) { return r.desired_workers.has_value(); });
  std::vector<std::string> headers = {"KEY PREFIX", "KEY", "DEPTH"};
  if (with_workers) {
    headers.emplace_back("DESIRED WORKERS");
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : readings) {
    std::vector<std::string> row = {r.key_prefix, r.key, r.depth ? std::to_string(*r.depth) : "unknown"};
    if (with_workers) {
      row.push_back(r.desired_workers ? std::to_string(*r.desired_workers) : "unknown");
    }
    rows.push_back(std::move(row));
  }
  write_table(out, headers, rows);
}

void fail_if_unknown(const std::vector<QueueReading>& readings) {
  const auto unknown =
      std::count_if(readings.begin(), readings.end(), [](const auto& r) { return !r.depth.has_value(); });
  if (unknown == 0) {
    return;
  }
  const auto first = std::find_if(readings.begin(), readings.end(), [](const auto& r) { return !r.depth; });
  throw failure(fmt::format("{} of {} queue(s) could not be read ({}: {})", unknown, readings.size(), first->key,
                            first->unknown));
}

void watch_queues(const std::function<std::unique_ptr<redis::QueueStore>()>& connect, const WatchOptions& options,
                  const Clock& clock, const SignalWatcher& signals, std::ostream& out, std::ostream& err) {
  std::unique_ptr<redis::QueueStore> store;
  while (signals.received() == 0) {
    try {
      if (!store) {
        store = connect();
      }
      const auto readings = read_queues(*store, options.prefixes, options.profile);
      if (options.format == Format::json) {
        out << to_json(readings).dump() << '\n';
      } else if (options.format == Format::yaml) {
        out << "---\n";
        print_queues(out, readings, options.format);
      } else {
        const std::time_t now = std::chrono::system_clock::to_time_t(clock.now());
        char stamp[32];
        std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", std::localtime(&now));
        if (options.terminal) {
          out << "\033[H\033[2J";
        }
        out << fmt::format("Every {}s: queue depth    {}\n\n", static_cast<double>(options.interval.count()) / 1000.0,
                           stamp);
        print_queues(out, readings, options.format);
        if (!options.terminal) {
          out << '\n';
        }
      }
      out.flush();
    } catch (const Error& e) {
      if (e.code() == Exit::usage || e.code() == Exit::interrupted) {
        throw;
      }
      store.reset();
      err << "graflowctl: error: " << e.what() << " (retrying)\n";
      err.flush();
    }
    signals.sleep_for(options.interval);
  }
  throw interrupted(""); // nothing to report: the user asked to stop
}

void run_queue_depth(const QueueDepthOptions& options, Services& services, std::ostream& out) {
  const config::Profile* profile = services.resolved.profile ? &services.resolved.profile->profile : nullptr;
  const auto prefixes = key_prefixes(options.prefixes, services.resolved.key_prefix_flag, services.env, profile);
  if (!options.watch) {
    auto store = services.connect_redis();
    const auto readings = read_queues(*store, prefixes, profile);
    print_queues(out, readings, services.resolved.format);
    out.flush();
    fail_if_unknown(readings);
    return;
  }
  if (options.interval.count() < 100) {
    throw usage_error("--interval must be at least 100ms");
  }
  WatchOptions w;
  w.prefixes = prefixes;
  w.profile = profile;
  w.interval = options.interval;
  w.format = services.resolved.format;
  w.terminal = services.terminal;
  const SignalWatcher signals;
  // The signal pipe wakes a read in progress: Ctrl-C ends within 200 ms even mid-reply.
  watch_queues([&] { return services.connect_redis(signals.fd()); }, w, services.clock, signals, out, services.err);
}

} // namespace graflow::actions
