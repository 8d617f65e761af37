#pragma once
// Factories of the graflowctl-net module. Tests call them directly; the binary reaches
// them through graflow::net::api().
#include "graflow/net/module.hpp"

namespace graflow::net {

// libcurl client: TLS verification on unless options say otherwise, HTTP/1.1 keep-alive.
std::unique_ptr<HttpClient> make_curl_client(const ClientOptions& options);

// CivetWeb server with a small thread pool.
std::unique_ptr<HttpServer> make_http_server();

} // namespace graflow::net
