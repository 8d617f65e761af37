#include "graflow/exporter/metrics.hpp"

#include "graflow/exporter/text_format.hpp"

#include <algorithm>
#include <optional>

namespace graflow::exporter {
namespace {

constexpr std::string_view depth_name = "graflow_queue_depth";
constexpr std::string_view depth_help =
    "Tasks waiting: the Redis list <key_prefix>:queue (LLEN; a missing list is 0), or a queue of another layout "
    "(labels queue and layout). No sample while Redis cannot be read or the count is unknown.";
constexpr std::string_view in_flight_name = "graflow_queue_in_flight";
constexpr std::string_view in_flight_help =
    "Tasks taken by a worker and not finished, where the queue's framework records them.";
constexpr std::string_view age_name = "graflow_queue_oldest_age_seconds";
constexpr std::string_view age_help = "Age of the oldest waiting task (0 for an empty queue), where the layout records it.";
constexpr std::string_view paused_name = "graflow_queue_paused";
constexpr std::string_view paused_help = "1 if the BullMQ queue is paused (its waiting jobs are not taken), else 0.";
constexpr std::string_view load_name = "graflow_queue_load";
constexpr std::string_view load_help =
    "Tasks waiting plus tasks in flight, for the layouts that record in flight: what an HPA with "
    "scaleOn: waiting+in_flight scales on.";
constexpr std::string_view up_name = "graflow_redis_up";
constexpr std::string_view up_help = "1 if this scrape read the queue lengths from Redis, 0 if Redis was "
                                     "unreachable, too slow or refused the request.";
constexpr std::string_view node_up_name = "graflow_redis_node_up";
constexpr std::string_view node_up_help = "Redis Cluster only: 1 if the master node answered this scrape, 0 if it "
                                          "could not be reached (its queues have no depth sample).";
constexpr std::string_view duration_name = "graflow_exporter_scrape_duration_seconds";
constexpr std::string_view duration_help = "Time the last scrape spent reading the queue lengths from Redis.";
constexpr std::string_view errors_name = "graflow_exporter_scrape_errors_total";
constexpr std::string_view errors_help = "Scrapes of /metrics that could not read the queue lengths from Redis.";
constexpr std::string_view build_name = "graflow_build_info";
constexpr std::string_view build_help = "The graflowctl build serving these metrics (always 1).";

std::string series_of(std::string_view name, const queues::QueueSpec& spec) {
  if (spec.layout == queues::Layout::graflow) {
    return text::series(name, {{"key_prefix", spec.name}}); // the seed's series, exactly
  }
  return text::series(name, {{"queue", spec.id}, {"layout", queues::layout_name(spec.layout)}});
}

// What scaleOn: waiting+in_flight scales on, for the layouts that record in flight (for the
// others the rendered HPA scales on graflow_queue_depth); nothing when a part is unknown.
std::optional<long long> load_of(const queues::Reading& q) {
  if (!q.waiting || !q.in_flight) {
    return std::nullopt;
  }
  return *q.waiting + *q.in_flight;
}

} // namespace

MetricsPage::MetricsPage(const std::vector<queues::QueueSpec>& queues, std::string_view version)
    : build_info_series_(text::series(build_name, {{"version", version}})) {
  series_.reserve(queues.size());
  std::size_t samples = 0;
  for (const auto& spec : queues) {
    QueueSeries s{series_of(depth_name, spec), series_of(in_flight_name, spec), series_of(age_name, spec),
                  series_of(paused_name, spec), series_of(load_name, spec)};
    // " " + up to 24 characters of value + "\n", per series
    samples += s.depth.size() + s.in_flight.size() + s.oldest_age.size() + s.paused.size() + s.load.size() + 5 * 26;
    series_.push_back(std::move(s));
  }
  const std::size_t headers = 2048; // nine HELP/TYPE pairs and the unlabelled samples
  size_hint_ = headers + samples + build_info_series_.size();
}

void MetricsPage::render(std::string& out, const Reading& reading, std::uint64_t scrape_errors_total) const {
  out.reserve(out.size() + size_hint_);
  // A reading that says "down" shows no queue, except in a Cluster with a node down (nodes
  // set): then every queue the other nodes answered for, those of the node down unknown.
  const bool shown = reading.redis_up || !reading.nodes.empty();
  const std::size_t n = shown ? std::min(series_.size(), reading.queues.size()) : 0;
  text::append_family(out, depth_name, depth_help, text::Type::gauge);
  for (std::size_t i = 0; i < n; ++i) {
    if (const auto& w = reading.queues[i].waiting) {
      text::append_sample(out, series_[i].depth, *w);
    }
  }
  text::append_family(out, in_flight_name, in_flight_help, text::Type::gauge);
  for (std::size_t i = 0; i < n; ++i) {
    if (const auto& f = reading.queues[i].in_flight) {
      text::append_sample(out, series_[i].in_flight, *f);
    }
  }
  text::append_family(out, load_name, load_help, text::Type::gauge);
  for (std::size_t i = 0; i < n; ++i) {
    if (const auto load = load_of(reading.queues[i])) {
      text::append_sample(out, series_[i].load, *load);
    }
  }
  text::append_family(out, age_name, age_help, text::Type::gauge);
  for (std::size_t i = 0; i < n; ++i) {
    if (const auto& a = reading.queues[i].oldest_age_seconds) {
      text::append_sample(out, series_[i].oldest_age, *a);
    }
  }
  text::append_family(out, paused_name, paused_help, text::Type::gauge);
  for (std::size_t i = 0; i < n; ++i) {
    if (const auto& p = reading.queues[i].paused) {
      text::append_sample(out, series_[i].paused, *p ? 1LL : 0LL);
    }
  }
  text::append_family(out, up_name, up_help, text::Type::gauge);
  text::append_sample(out, up_name, reading.redis_up ? 1LL : 0LL);
  if (!reading.nodes.empty()) {
    text::append_family(out, node_up_name, node_up_help, text::Type::gauge);
    for (const auto& node : reading.nodes) {
      text::append_sample(out, text::series(node_up_name, {{"node", node.endpoint}}), node.up ? 1LL : 0LL);
    }
  }
  text::append_family(out, duration_name, duration_help, text::Type::gauge);
  text::append_sample(out, duration_name, std::chrono::duration<double>(reading.duration).count());
  text::append_family(out, errors_name, errors_help, text::Type::counter);
  text::append_sample(out, errors_name, static_cast<long long>(scrape_errors_total));
  text::append_family(out, build_name, build_help, text::Type::gauge);
  text::append_sample(out, build_info_series_, 1LL);
}

} // namespace graflow::exporter
