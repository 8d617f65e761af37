#pragma once
// The exporter's /metrics page: which metrics exist and how one reading is shown. Pure:
// the series names (with their escaped labels) are built once, so a scrape only appends
// numbers to a pre-sized string.
#include "graflow/queues/layouts.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace graflow::exporter {

// What one read of the queues found.
struct Reading {
  bool redis_up = false;
  // One per configured queue, in order; empty when Redis could not be read. In a Cluster
  // with a node down, redis_up is false and that node's queues are unknown (no sample).
  std::vector<queues::Reading> queues;
  std::chrono::nanoseconds duration{0}; // connect (if needed) + the round trip, or the time waited
  std::string error;             // why Redis could not be read; empty when redis_up
  struct Node {
    std::string endpoint; // "host:port"
    bool up = false;
  };
  std::vector<Node> nodes; // cluster masters holding a watched queue; empty otherwise
};

class MetricsPage {
public:
  MetricsPage(const std::vector<queues::QueueSpec>& queues, std::string_view version);

  // Appends the exposition: per queue, only when Redis answered (never a stale or made-up
  // 0) and only what is known, graflow_queue_depth (waiting), graflow_queue_in_flight,
  // graflow_queue_oldest_age_seconds and graflow_queue_paused (bullmq); then
  // graflow_redis_up, graflow_redis_node_up per cluster node, the scrape duration, the error
  // counter and the build info.
  void render(std::string& out, const Reading& reading, std::uint64_t scrape_errors_total) const;

  // A size that fits a whole page, to reserve before rendering.
  [[nodiscard]] std::size_t size_hint() const { return size_hint_; }

private:
  // One queue's series: the graflow layout's carry key_prefix (the seed's exact series), the
  // others queue and layout. Per-node metrics (cluster mode) would sit beside these.
  struct QueueSeries {
    std::string depth;       // graflow_queue_depth{...}
    std::string in_flight;   // graflow_queue_in_flight{...}
    std::string oldest_age;  // graflow_queue_oldest_age_seconds{...}
    std::string paused;      // graflow_queue_paused{...}
    std::string load;        // graflow_queue_load{...} (waiting + in flight, for scaleOn: waiting+in_flight)
  };
  std::vector<QueueSeries> series_;
  std::string build_info_series_;         // graflow_build_info{version="..."}
  std::size_t size_hint_ = 0;
};

} // namespace graflow::exporter
