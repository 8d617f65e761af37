// `simulate --from-prometheus` against a real Prometheus: it scrapes an in-process HTTP
// server whose graflow_queue_depth climbs by 10 every scrape, and the simulation replays
// what Prometheus recorded for the profile's key prefix (and only that prefix).
#include "graflow/actions/simulate.hpp"
#include "graflow/core/error.hpp"
#include "graflow/net/impl/impl.hpp"
#include "harness.hpp"
#include "prometheus.hpp"

#include <atomic>
#include <ctime>
#include <doctest/doctest.h>
#include <sstream>
#include <thread>

using namespace graflow::testing;
using nlohmann::json;

TEST_CASE("simulate replays graflow_queue_depth recorded by a real Prometheus") {
  std::atomic<int> scrapes{0};
  auto server = graflow::net::make_http_server();
  server->bind("127.0.0.1", 0);
  std::thread serving([&] {
    server->serve([&](const graflow::net::ServerRequest&) {
      const int n = scrapes.fetch_add(1) + 1;
      graflow::net::ServerResponse r;
      r.body = "# TYPE graflow_queue_depth gauge\n"
               "graflow_queue_depth{key_prefix=\"graflow\"} " + std::to_string(n * 10) + "\n"
               "graflow_queue_depth{key_prefix=\"other\"} 100000\n";
      return r;
    });
  });
  const std::time_t start = std::time(nullptr);
  {
    PrometheusServer prometheus({"127.0.0.1:" + std::to_string(server->port())});
    prometheus.wait_for(R"(graflow_queue_depth{key_prefix="graflow"})",
                        [](const json& r) { return r.size() == 1 && sample_value(r[0]) >= 60; });
    const std::time_t end = std::time(nullptr);

    graflow::actions::SimulateOptions o;
    o.profile.name = "prod";
    o.profile.min_replicas = 1;
    o.profile.max_replicas = 50;
    o.profile.average_value = 10;
    o.profile.key_prefix = "graflow";
    o.from_prometheus = prometheus.url();
    o.start = std::to_string(start - 2);
    o.end = std::to_string(end + 1); // the last scrape may be later than the whole second `end`
    o.step = "1s";
    o.sync_period = "1s";
    o.metric_delay = "0s";
    o.format = graflow::Format::json;
    const auto factory = [] { return graflow::net::make_curl_client({}); };
    std::ostringstream out;
    graflow::actions::run_simulate(o, factory, out);
    const auto doc = json::parse(out.str());
    const auto& syncs = doc["runs"][0]["syncs"];
    REQUIRE(syncs.size() >= 5);
    CHECK(doc["runs"][0]["mode"] == "open");
    CHECK(syncs[0]["t"] == 0);
    // The recorded depth climbs by 10 a scrape (a sample per second at most), never the
    // other prefix's 100000, and ends at what Prometheus last stored.
    std::int64_t last = 0;
    for (const auto& s : syncs) {
      const auto d = s["depth"].get<std::int64_t>();
      CHECK(d % 10 == 0);
      CHECK(d >= last);
      CHECK(d < 100000);
      last = d;
    }
    CHECK(last >= 60);
    CHECK(doc["runs"][0]["summary"]["peak_replicas"].get<int>() >= 2);

    // Prometheus's own words about a bad range are a usage error.
    o.start = "yesterday";
    try {
      graflow::actions::run_simulate(o, factory, out);
      FAIL("no error");
    } catch (const graflow::Error& e) {
      CHECK(e.code() == graflow::Exit::usage);
      CHECK(std::string(e.what()).find("rejected the query") != std::string::npos);
    }
    // A prefix Prometheus never saw.
    o.start = std::to_string(start - 2);
    o.profile.key_prefix = "nobody";
    try {
      graflow::actions::run_simulate(o, factory, out);
      FAIL("no error");
    } catch (const graflow::Error& e) {
      CHECK(e.code() == graflow::Exit::usage);
      CHECK(std::string(e.what()) == "Prometheus at " + prometheus.url() +
                                         " has no graflow_queue_depth samples in that range");
    }
  }
  server->stop();
  serving.join();
  // Nothing listens there any more: a failure (exit 1) naming Prometheus.
  graflow::actions::SimulateOptions o;
  o.profile.name = "prod";
  o.profile.min_replicas = 1;
  o.profile.max_replicas = 5;
  o.profile.average_value = 10;
  o.profile.key_prefix = "graflow";
  o.from_prometheus = "http://user:secret@127.0.0.1:" + std::to_string(server->port());
  o.start = "0";
  o.end = "60";
  std::ostringstream out;
  try {
    graflow::actions::run_simulate(o, [] { return graflow::net::make_curl_client({}); }, out);
    FAIL("no error");
  } catch (const graflow::Error& e) {
    CHECK(e.code() == graflow::Exit::failure);
    CHECK(std::string(e.what()).rfind("cannot query Prometheus at http://REDACTED@127.0.0.1:", 0) == 0);
    CHECK(std::string(e.what()).find("secret") == std::string::npos);
  }
}
