#pragma once

#include <httplib.h>

#include <map>
#include <optional>
#include <string>

namespace fake {

// Sets up the server side of TLS: the serving certificate and key, and client certificates
// requested (not required) and verified against `client_ca`, as kube-apiserver does.
// Returns false (after printing why) when a file cannot be loaded.
bool configure_tls(SSL_CTX& ctx, const std::string& cert, const std::string& key, const std::string& client_ca);

// The user a request authenticates as: the CN of a client certificate signed by the client
// CA, else the user of a known bearer token; nullopt means 401.
std::optional<std::string> authenticate(const httplib::Request& req, const std::map<std::string, std::string>& tokens);

} // namespace fake
