#pragma once
// The exporter's routes, independent of the HTTP library:
//   GET|HEAD /metrics  the Prometheus text format (always 200 once the request is valid)
//   GET|HEAD /healthz  200 while the process serves requests
//   GET|HEAD /readyz   200 when Redis answers, 503 otherwise
//   404 for any other path, 405 (with Allow) for other methods on these paths.
#include "graflow/exporter/collector.hpp"
#include "graflow/exporter/metrics.hpp"
#include "graflow/net/http.hpp"

#include <atomic>
#include <cstdint>

namespace graflow::exporter {

class Handler {
public:
  Handler(Collector& collector, MetricsPage page);

  // Thread-safe; called concurrently by the server's worker threads.
  net::ServerResponse handle(const net::ServerRequest& request);

  [[nodiscard]] std::uint64_t scrape_errors() const { return scrape_errors_.load(); }

private:
  net::ServerResponse metrics();
  net::ServerResponse ready();

  Collector& collector_;
  const MetricsPage page_;
  std::atomic<std::uint64_t> scrape_errors_{0};
};

} // namespace graflow::exporter
