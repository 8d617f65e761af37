#pragma once
// The exporter's /metrics page: which metrics exist and how one reading is shown. Pure:
// the series names (with their escaped labels) are built once, so a scrape only appends
// numbers to a pre-sized string.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace graflow::exporter {

// What one read of the queue lengths found.
struct Reading {
  bool redis_up = false;
  std::vector<long long> depths; // one per key prefix, in order; empty unless redis_up
  std::chrono::nanoseconds duration{0}; // connect (if needed) + the round trip, or the time waited
  std::string error;             // why Redis could not be read; empty when redis_up
  // Cluster mode (DESIGN.md §5a): prefixes (indices into depths) whose node did not answer
  // get no sample, and redis_up is false; the other depths are still shown.
  std::vector<std::size_t> unknown;
  struct Node {
    std::string endpoint; // "host:port"
    bool up = false;
  };
  std::vector<Node> nodes; // cluster masters holding a watched queue; empty otherwise
};

class MetricsPage {
public:
  MetricsPage(const std::vector<std::string>& key_prefixes, std::string_view version);

  // Appends the exposition: one graflow_queue_depth sample per prefix only when Redis
  // answered (never a stale or made-up 0), then graflow_redis_up, graflow_redis_node_up per
  // cluster node, the scrape duration,
  // the error counter and the build info.
  void render(std::string& out, const Reading& reading, std::uint64_t scrape_errors_total) const;

  // A size that fits a whole page, to reserve before rendering.
  [[nodiscard]] std::size_t size_hint() const { return size_hint_; }

private:
  std::vector<std::string> depth_series_; // graflow_queue_depth{key_prefix="..."}
  std::string build_info_series_;         // graflow_build_info{version="..."}
  std::size_t size_hint_ = 0;
};

} // namespace graflow::exporter
