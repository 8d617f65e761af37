#include "graflow/actions/queue.hpp"

#include "graflow/actions/resolve.hpp"

#include "graflow/core/error.hpp"
#include "graflow/core/signals.hpp"
#include "graflow/core/table.hpp"
#include "graflow/queues/read.hpp"

#include <algorithm>
#include <ctime>
#include <fmt/format.h>
#include <ostream>

namespace graflow::actions {

std::optional<long long> scale_value(const queues::Reading& reading, const config::Profile& profile) {
  if (!reading.waiting) {
    return std::nullopt;
  }
  if (profile.scale_on != "waiting+in_flight") {
    return reading.waiting;
  }
  // A layout that records no in-flight count (graflow, plain keys) adds nothing.
  if (!reading.in_flight && !reading.in_flight_unknown.empty()) {
    return std::nullopt;
  }
  return *reading.waiting + reading.in_flight.value_or(0);
}

std::vector<QueueReading> read_queues(redis::QueueStore& store, const std::vector<queues::QueueSpec>& specs,
                                      const config::Profile* profile, queues::TimePoint now, queues::ReadMemo* memo) {
  auto readings = queues::read_all(store, specs, now, memo);
  std::vector<QueueReading> out;
  out.reserve(readings.size());
  for (std::size_t i = 0; i < readings.size(); ++i) {
    QueueReading r;
    r.reading = std::move(readings[i]);
    if (specs[i].layout == queues::Layout::graflow) {
      r.key_prefix = specs[i].name;
    }
    r.with_profile = profile != nullptr;
    if (profile != nullptr) {
      if (const auto v = scale_value(r.reading, *profile)) {
        r.desired_workers = config::desired_workers(*v, *profile);
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

namespace {

template <class T>
nlohmann::ordered_json or_null(const std::optional<T>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json to_json(const std::vector<QueueReading>& readings, bool with_workers) {
  nlohmann::ordered_json queues = nlohmann::ordered_json::array();
  for (const auto& r : readings) {
    const auto& q = r.reading;
    nlohmann::ordered_json j = {{"queue", q.id}, {"layout", queues::layout_name(q.layout)}};
    if (q.layout == queues::Layout::graflow) {
      j["key_prefix"] = r.key_prefix;
    }
    j["key"] = q.key;
    j["depth"] = or_null(q.waiting);
    j["in_flight"] = or_null(q.in_flight);
    j["oldest_age_seconds"] = or_null(q.oldest_age_seconds);
    if (q.layout == queues::Layout::bullmq) {
      j["paused"] = or_null(q.paused);
    }
    if (with_workers) {
      j["desired_workers"] = or_null(r.desired_workers);
    }
    queues.push_back(std::move(j));
  }
  return nlohmann::ordered_json{{"queues", std::move(queues)}};
}

std::string cell(const std::optional<long long>& v) { return v ? std::to_string(*v) : "unknown"; }

std::string age_cell(const queues::Reading& q) {
  if (q.oldest_age_seconds) {
    return fmt::format("{:.1f}s", *q.oldest_age_seconds);
  }
  return "-";
}

} // namespace

void print_queues(std::ostream& out, const std::vector<QueueReading>& readings, Format format) {
  const bool with_workers = std::any_of(readings.begin(), readings.end(),
                                        [](const QueueReading& r) { return r.with_profile; });
  if (format != Format::text) {
    write_structured(out, to_json(readings, with_workers), format);
    return;
  }
  const bool seed_only = std::all_of(readings.begin(), readings.end(), [](const QueueReading& r) {
    return r.reading.layout == queues::Layout::graflow;
  });
  const bool any_bullmq = std::any_of(readings.begin(), readings.end(), [](const QueueReading& r) {
    return r.reading.layout == queues::Layout::bullmq;
  });
  // The graflow layout records neither in-flight tasks nor enqueue times: its table stays the seed's.
  std::vector<std::string> headers = seed_only ? std::vector<std::string>{"KEY PREFIX", "KEY", "DEPTH"}
                                               : std::vector<std::string>{"QUEUE", "LAYOUT", "KEY", "WAITING",
                                                                          "IN FLIGHT", "OLDEST AGE"};
  if (any_bullmq) {
    headers.emplace_back("PAUSED");
  }
  if (with_workers) {
    headers.emplace_back("DESIRED WORKERS");
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : readings) {
    const auto& q = r.reading;
    std::vector<std::string> row;
    if (seed_only) {
      row = {r.key_prefix, q.key, cell(q.waiting)};
    } else {
      const bool records_in_flight = q.in_flight || !q.in_flight_unknown.empty();
      row = {q.id,          std::string(queues::layout_name(q.layout)), q.key, cell(q.waiting),
             records_in_flight ? cell(q.in_flight) : "-", age_cell(q)};
      if (any_bullmq) {
        row.emplace_back(q.paused ? (*q.paused ? "yes" : "no") : "-");
      }
    }
    if (with_workers) {
      row.push_back(r.desired_workers ? std::to_string(*r.desired_workers) : "unknown");
    }
    rows.push_back(std::move(row));
  }
  write_table(out, headers, rows);
}

void check_known(const std::vector<QueueReading>& readings) {
  const auto unknown = std::count_if(readings.begin(), readings.end(),
                                     [](const QueueReading& r) { return !r.reading.waiting.has_value(); });
  if (unknown == 0) {
    return;
  }
  const auto& first =
      std::find_if(readings.begin(), readings.end(), [](const QueueReading& r) { return !r.reading.waiting; })->reading;
  if (first.wrong_type) {
    // Its reason names the server, the key, both types and what to check.
    throw failure(unknown == 1 ? first.waiting_unknown
                               : fmt::format("{} ({} more of {} queues could not be read)", first.waiting_unknown,
                                             unknown - 1, readings.size()));
  }
  throw failure(fmt::format("{} of {} queue(s) could not be read (queue {} ({} {}): {})", unknown, readings.size(),
                            first.id, queues::layout_name(first.layout), first.key, first.waiting_unknown));
}

void watch_queues(const std::function<std::unique_ptr<redis::QueueStore>()>& connect, const WatchOptions& options,
                  const Clock& clock, const SignalWatcher& signals, std::ostream& out, std::ostream& err) {
  std::unique_ptr<redis::QueueStore> store;
  queues::ReadMemo memo;
  while (signals.received() == 0) {
    try {
      if (!store) {
        store = connect();
      }
      const auto readings = read_queues(*store, options.specs, options.profile, clock.now(), &memo);
      if (options.format == Format::json) {
        out << to_json(readings, options.profile != nullptr).dump() << '\n';
      } else if (options.format == Format::yaml) {
        out << "---\n";
        print_queues(out, readings, options.format);
      } else {
        const std::time_t now = std::chrono::system_clock::to_time_t(clock.now());
        std::tm local{};
        localtime_r(&now, &local); // not std::localtime: its static buffer is shared by threads
        char stamp[32];
        std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &local);
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
      // An unknown count is worth a line each tick, but not worth ending the watch.
      for (const auto& r : readings) {
        if (!r.reading.waiting) {
          err << fmt::format("graflowctl: warning: queue {}: the number of waiting tasks is unknown: {}\n",
                             r.reading.id, r.reading.waiting_unknown);
        }
      }
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
  const auto specs = queue_specs({options.prefixes, options.queues},
                                 {services.resolved.key_prefix_flag.empty()
                                      ? std::vector<std::string>{}
                                      : std::vector<std::string>{services.resolved.key_prefix_flag},
                                  services.resolved.queue_flags},
                                 services.env, profile);
  if (!options.watch) {
    auto store = services.connect_redis();
    const auto readings = read_queues(*store, specs, profile, services.clock.now());
    print_queues(out, readings, services.resolved.format);
    out.flush();
    check_known(readings);
    return;
  }
  if (options.interval.count() < 100) {
    throw usage_error("--interval must be at least 100ms");
  }
  WatchOptions w;
  w.specs = specs;
  w.profile = profile;
  w.interval = options.interval;
  w.format = services.resolved.format;
  w.terminal = services.terminal;
  const SignalWatcher signals;
  // The signal pipe wakes a read in progress: Ctrl-C ends within 200 ms even mid-reply.
  watch_queues([&] { return services.connect_redis(signals.fd()); }, w, services.clock, signals, out, services.err);
}

} // namespace graflow::actions
