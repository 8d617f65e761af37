#include "graflow/exporter/metrics.hpp"

#include "graflow/exporter/text_format.hpp"

#include <algorithm>

namespace graflow::exporter {
namespace {

constexpr std::string_view depth_name = "graflow_queue_depth";
constexpr std::string_view depth_help =
    "Tasks waiting in the Redis list <key_prefix>:queue (LLEN; a missing list is 0). "
    "No sample while Redis cannot be read.";
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

} // namespace

MetricsPage::MetricsPage(const std::vector<std::string>& key_prefixes, std::string_view version)
    : build_info_series_(text::series(build_name, {{"version", version}})) {
  depth_series_.reserve(key_prefixes.size());
  std::size_t samples = 0;
  for (const auto& prefix : key_prefixes) {
    depth_series_.push_back(text::series(depth_name, {{"key_prefix", prefix}}));
    samples += depth_series_.back().size() + 22; // " " + up to 20 digits + "\n"
  }
  const std::size_t headers = 1024; // five HELP/TYPE pairs and the unlabelled samples
  size_hint_ = headers + samples + build_info_series_.size();
}

void MetricsPage::render(std::string& out, const Reading& reading, std::uint64_t scrape_errors_total) const {
  out.reserve(out.size() + size_hint_);
  text::append_family(out, depth_name, depth_help, text::Type::gauge);
  // A cluster reading with some nodes down (`unknown` set) still shows the queues it read.
  const bool partial = !reading.unknown.empty();
  for (std::size_t i = 0; (reading.redis_up || partial) && i < depth_series_.size() && i < reading.depths.size(); ++i) {
    if (std::find(reading.unknown.begin(), reading.unknown.end(), i) == reading.unknown.end()) {
      text::append_sample(out, depth_series_[i], reading.depths[i]);
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
