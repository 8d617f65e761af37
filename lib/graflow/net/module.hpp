#pragma once
// The graflowctl-net module: libcurl (with OpenSSL) and CivetWeb, loaded with dlopen on first
// use. Tests link the implementations directly (graflow_net) and never go through this.
#include "graflow/net/http.hpp"

namespace graflow::net {

struct ClientOptions {
  TlsOptions tls;
};

struct Api {
  std::unique_ptr<HttpClient> (*make_client)(const ClientOptions& options);
  std::unique_ptr<HttpServer> (*make_server)();
};

// The module's entry points. The first call loads graflowctl-net.so from next to the
// binary (build tree) or from lib/graflowctl/ (installed); throws a failure Error when
// it cannot be loaded.
const Api& api();

// The HTTP server alone, from graflowctl-httpd.so (CivetWeb, without libcurl), for
// `graflowctl exporter`: a long-running process should not keep libcurl's ~25 libraries
// resident. make_client is null. Loaded and reported like api().
const Api& server_api();

} // namespace graflow::net

// Exported by the module.
extern "C" const graflow::net::Api* graflow_net_api();
