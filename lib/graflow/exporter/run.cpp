#include "graflow/exporter/run.hpp"

#include "graflow/core/error.hpp"
#include "graflow/core/log.hpp"
#include "graflow/core/signals.hpp"
#include "graflow/exporter/handler.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <charconv>
#include <csignal>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <set>
#include <thread>

#ifndef GRAFLOW_VERSION
#define GRAFLOW_VERSION "0.0.0"
#endif

namespace graflow::exporter {

ListenAddress parse_listen(std::string_view text, std::string_view what) {
  auto bad = [&](std::string_view why) {
    return usage_error(fmt::format("invalid {} \"{}\": {}; expected ADDR:PORT such as 0.0.0.0:8000, 127.0.0.1:8000 or :8000",
                                   what, text, why));
  };
  ListenAddress out;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) {
      throw bad("unclosed [");
    }
    out.host = std::string(text.substr(1, close - 1));
    if (close + 1 >= text.size() || text[close + 1] != ':') {
      throw bad("no port");
    }
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      throw bad("no port");
    }
    out.host = std::string(text.substr(0, colon));
    if (out.host.find(':') != std::string::npos) {
      throw bad("put an IPv6 address in brackets");
    }
    port = text.substr(colon + 1);
  }
  if (out.host.empty()) {
    out.host = "0.0.0.0";
  }
  int value = -1;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value < 0 || value > 65535) {
    throw bad("the port must be a number from 0 to 65535");
  }
  out.port = value;
  if (out.host == "localhost") {
    out.host = "127.0.0.1"; // the one name accepted: what it means is not up to a resolver
  }
  // Checked here, so that "999.1.1.1" or "1.2.3" is a usage error rather than whatever the
  // resolver makes of it ("999.1.1.1" became 231.1.1.1 once).
  const bool v6 = out.host.find(':') != std::string::npos;
  unsigned char binary[sizeof(in6_addr)];
  if (::inet_pton(v6 ? AF_INET6 : AF_INET, out.host.c_str(), binary) != 1) {
    throw bad(fmt::format("\"{}\" is not a numeric {} address", out.host, v6 ? "IPv6" : "IPv4"));
  }
  return out;
}

void validate_prefixes(const std::vector<std::string>& prefixes) {
  if (prefixes.empty()) {
    throw usage_error("no key prefix to export");
  }
  std::set<std::string_view> seen;
  for (const auto& p : prefixes) {
    if (p.empty()) {
      throw usage_error("--key-prefix must not be empty");
    }
    if (!seen.insert(p).second) {
      throw usage_error(fmt::format("--key-prefix \"{}\" is given twice", p));
    }
  }
}

namespace {

std::atomic<bool> g_hangup{false};
void on_hangup(int) { g_hangup.store(true); }

// SIGHUP conventionally means "reload"; the exporter has no configuration file to reload,
// and a terminal closing (or a supervisor's reload) must not kill it mid-scrape: it is
// logged and the exporter keeps serving.
class HangupIgnored {
public:
  HangupIgnored() {
    struct sigaction action {};
    action.sa_handler = &on_hangup;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGHUP, &action, &previous_);
  }
  ~HangupIgnored() { sigaction(SIGHUP, &previous_, nullptr); }
  HangupIgnored(const HangupIgnored&) = delete;
  HangupIgnored& operator=(const HangupIgnored&) = delete;
  // Logs a SIGHUP received since the last call.
  static void report() {
    if (g_hangup.exchange(false)) {
      log::write("SIGHUP: nothing to reload (the exporter has no configuration file); still serving");
    }
  }

private:
  struct sigaction previous_ {};
};

} // namespace

void serve(const Options& options, net::HttpServer& server, Collector::Connect connect,
           const SignalWatcher& signals) {
  const HangupIgnored hangup;
  Collector::Options co;
  co.queues = options.queues;
  co.redis_endpoint = options.redis_endpoint;
  co.timeout = options.scrape_timeout;
  Collector collector(std::move(co), std::move(connect));
  Handler handler(collector, MetricsPage(options.queues, GRAFLOW_VERSION));

  server.bind(options.listen.host, options.listen.port);
  const bool v6 = options.listen.host.find(':') != std::string::npos;
  std::vector<std::string> prefixes;
  std::vector<std::string> others;
  for (const auto& q : options.queues) {
    if (q.layout == queues::Layout::graflow) {
      prefixes.push_back(q.name);
    } else {
      others.push_back(fmt::format("{} ({})", q.id, queues::layout_name(q.layout)));
    }
  }
  std::string what = prefixes.empty() ? "" : fmt::format("; key prefixes: {}", fmt::join(prefixes, ", "));
  if (!others.empty()) {
    what += fmt::format("; queues: {}", fmt::join(others, ", "));
  }
  log::write(fmt::format("exporter listening on {}{}{}:{} (/metrics, /healthz, /readyz){}", v6 ? "[" : "",
                         options.listen.host, v6 ? "]" : "", server.port(), what));
  // A first reading, so that the log says at once whether Redis answers.
  (void)collector.read();

  // SIGTERM/SIGINT: stop accepting; serve() returns once in-flight requests are done.
  std::atomic<bool> served{false};
  std::thread watcher([&] {
    while (!served.load()) {
      HangupIgnored::report();
      if (!signals.sleep_for(std::chrono::milliseconds(100))) {
        log::write(fmt::format("{}: stopping", signals.received() == SIGINT ? "SIGINT" : "SIGTERM"));
        collector.shutdown(); // scrapes waiting for a hung Redis answer within 200 ms
        server.stop();
        return;
      }
    }
  });
  try {
    // On the server's loop thread: a scrape is handed to the collector's reader thread,
    // whose answer goes straight back to the loop (no worker thread in between).
    server.serve_async([&handler](const net::ServerRequest& request, net::Respond respond) {
      handler.handle(request, std::move(respond));
    });
  } catch (...) {
    served.store(true);
    watcher.join();
    throw;
  }
  served.store(true);
  watcher.join();
  log::write("exporter stopped");
}

} // namespace graflow::exporter
