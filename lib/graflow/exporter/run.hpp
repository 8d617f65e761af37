#pragma once
// `graflowctl exporter`: the collector and the routes behind an HTTP server, until
// SIGTERM or SIGINT.
#include "graflow/exporter/collector.hpp"
#include "graflow/net/http.hpp"

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace graflow {
class SignalWatcher;
}

namespace graflow::exporter {

struct ListenAddress {
  std::string host; // "0.0.0.0", "127.0.0.1", "::" (no brackets)
  int port = 0;
};

// "ADDR:PORT", "[IPv6]:PORT" or ":PORT" (all interfaces); ADDR is a numeric address (or
// "localhost", read as 127.0.0.1). Throws a usage Error naming `what` (the flag), the
// cause and the expected form.
ListenAddress parse_listen(std::string_view text, std::string_view what = "--listen");

// Checks the key prefixes given by the user: at least one, none empty, no duplicates
// (they would export the same series twice). Throws a usage Error.
void validate_prefixes(const std::vector<std::string>& prefixes);

struct Options {
  ListenAddress listen{"0.0.0.0", 8000};
  std::vector<queues::QueueSpec> queues;
  std::string redis_endpoint;               // for messages
  std::chrono::milliseconds scrape_timeout{1000};
};

// Binds `server` (a failure Error if the address is taken), serves the exporter until
// SIGTERM or SIGINT arrives, then stops accepting, lets in-flight requests finish and
// returns. A SIGHUP meanwhile is logged and changes nothing.
void serve(const Options& options, net::HttpServer& server, Collector::Connect connect,
           const SignalWatcher& signals);

} // namespace graflow::exporter
