#pragma once
// The exporter's routes, independent of the HTTP library:
//   GET|HEAD /metrics  the Prometheus text format (always 200 once the request is valid)
//   GET|HEAD /healthz  200 while the process serves requests
//   GET|HEAD /readyz   200 when Redis answers, 503 otherwise
//   404 for any other path, 405 (with Allow) for other methods on these paths.
// /metrics and /readyz wait for the collector without blocking: the answer is made on the
// collector's thread when its reading comes; the other routes are answered at once.
#include "graflow/exporter/collector.hpp"
#include "graflow/exporter/metrics.hpp"
#include "graflow/net/http.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace graflow::exporter {

class Handler {
public:
  Handler(Collector& collector, MetricsPage page);

  // Answers through `respond`: at once, or from the collector's thread once the reading
  // comes (which may be after this Handler is destroyed). Never blocks; thread-safe.
  void handle(const net::ServerRequest& request, net::Respond respond);

  // handle(), waiting for the answer.
  net::ServerResponse handle(const net::ServerRequest& request);

  [[nodiscard]] std::uint64_t scrape_errors() const { return shared_->scrape_errors.load(); }

private:
  // What an answer made on the collector's thread needs, kept alive by it.
  struct Shared {
    explicit Shared(MetricsPage p) : page(std::move(p)) {}
    // The page for `reading` with `errors` scrape errors: rendered once per reading and
    // error count. Under load many scrapes share one reading (Collector), and rendering a
    // page of many queues cost more than the copy each of them takes.
    std::string body(const std::shared_ptr<const Reading>& reading, std::uint64_t errors);

    const MetricsPage page;
    std::atomic<std::uint64_t> scrape_errors{0};
    std::mutex mutex; // guards the three below
    std::shared_ptr<const Reading> rendered_reading;
    std::uint64_t rendered_errors = 0;
    std::string rendered;
  };

  Collector& collector_;
  const std::shared_ptr<Shared> shared_;
};

} // namespace graflow::exporter
