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
};

// An event-driven server: one thread holds every connection (idle and slow ones cost a few
// KiB each, never a thread), a small pool of worker threads runs the handler.
std::unique_ptr<HttpServer> make_http_server(ServerLimits limits = {});

} // namespace graflow::net
