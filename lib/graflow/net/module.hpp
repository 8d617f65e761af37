#pragma once
// The graflowctl-net module: the libcurl HTTP client (with OpenSSL and ~25 more libraries),
// loaded with dlopen on first use, so that commands that do not talk HTTP, such as
// `queue depth`, never pay for loading it. Tests link the implementation directly
// (graflow_net) and never go through this. The HTTP server is not here: it is linked into
// the binary (graflow/net/server.hpp).
#include "graflow/core/log.hpp"
#include "graflow/net/http.hpp"

namespace graflow::net {

struct ClientOptions {
  TlsOptions tls;
};

struct Api {
  std::unique_ptr<HttpClient> (*make_client)(const ClientOptions& options);
};

// The module's entry points. The first call loads graflowctl-net.so from next to the
// binary (build tree) or from lib/graflowctl/ (installed), handing it the binary's log
// level and sink (so -v reaches code inside it); throws a failure Error when it cannot be
// loaded.
const Api& api();

} // namespace graflow::net

// Exported by the module: attaches `host` (when not null) to the module's log, returns the
// entry points.
extern "C" const graflow::net::Api* graflow_net_api(const graflow::log::Host* host);
