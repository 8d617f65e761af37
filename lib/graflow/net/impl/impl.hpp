#pragma once
// Factories of the graflowctl-net module. Tests call them directly; the binary reaches
// them through graflow::net::api().
#include "graflow/net/module.hpp"
#include "graflow/net/server.hpp" // make_http_server(), linked into the binary, for the tests' convenience

namespace graflow::net {

// libcurl client: TLS verification on unless options say otherwise, HTTP/1.1 keep-alive.
std::unique_ptr<HttpClient> make_curl_client(const ClientOptions& options);

} // namespace graflow::net
