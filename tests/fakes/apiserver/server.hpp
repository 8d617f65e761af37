#pragma once

#include "state.hpp"

#include <httplib.h>

namespace fake {

// Installs request handling on `server`: the control API, then for API requests fault
// injection, authentication, routing, the request log and one stderr line per request.
void install_routes(httplib::Server& server, ServerState& state);

} // namespace fake
