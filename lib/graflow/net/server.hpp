#pragma once
// The HTTP server behind `graflowctl exporter`, linked into the binary (libevent's evhttp,
// which needs only libc): see server/evhttp_server.cpp for why.
#include "graflow/net/http.hpp"

#include <chrono>
#include <memory>

namespace graflow::net {

struct ServerLimits {
  // Longest a client may take to send one whole request (request line, headers, body),
  // counted from its first byte: a slow-loris client that trickles bytes is disconnected
  // then, however often it sends one.
  std::chrono::milliseconds request_deadline{10'000};
  // Once stopped, how long serve() waits for the requests received to be answered.
  std::chrono::milliseconds drain_limit{5'000};
};

// An event-driven server: one thread holds every connection (idle and slow ones cost a few
// KiB each, never a thread) and runs an asynchronous handler; a synchronous one runs on a
// small pool of worker threads.
std::unique_ptr<HttpServer> make_http_server(ServerLimits limits = {});

} // namespace graflow::net
