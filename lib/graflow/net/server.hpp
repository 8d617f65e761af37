#pragma once
// The HTTP server behind `graflowctl exporter`, linked into the binary (libevent's evhttp,
// which needs only libc): see server/evhttp_server.cpp for why.
#include "graflow/net/http.hpp"

#include <memory>

namespace graflow::net {

// An event-driven server: one thread holds every connection (idle and slow ones cost a few
// KiB each, never a thread), a small pool of worker threads runs the handler.
std::unique_ptr<HttpServer> make_http_server();

} // namespace graflow::net
