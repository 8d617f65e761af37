#pragma once

#include "state.hpp"

#include <httplib.h>

namespace fake {

struct Reply;

// Serves one API request (not the control API) as the HTTPS server does after fault
// injection: authentication, routing, and errors as Status bodies. Sets `user`.
Reply serve_api(ServerState& state, const httplib::Request& req, std::string& user);

// Installs request handling on `server`: the control API, then for API requests fault
// injection, authentication, routing, the request log and one stderr line per request.
void install_routes(httplib::Server& server, ServerState& state);

} // namespace fake
