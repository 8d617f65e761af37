#pragma once

#include "api_error.hpp"
#include "resources.hpp"
#include "state.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>

namespace fake {

// What a handler answers; the transport layer writes it out.
struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::map<std::string, std::string> headers;
  // A streamed body (watches) instead of `body`, written chunk by chunk.
  std::function<bool(std::size_t offset, httplib::DataSink& sink)> stream;
};

Reply json_reply(int status, const nlohmann::json& body);
Reply error_reply(const ApiError& error);

// One routed request for a resource path: /api/v1/namespaces/NS/RESOURCE/NAME/SUBRESOURCE/...
struct Call {
  const httplib::Request& http;
  std::string user;
  const ResourceInfo& res;
  std::string ns;
  std::string name;
  std::string subresource; // "", "status", "scale" or "proxy"
  std::string sub_path;    // what follows "proxy/"
};

// Serves an authenticated Kubernetes API request (discovery, resources, metrics, proxy).
Reply handle_api(ServerState& state, const httplib::Request& req, const std::string& user);

// Resource writes (writes.cpp). Subresources are dispatched inside.
Reply create_object(ServerState& state, const Call& call);
Reply replace_object(ServerState& state, const Call& call);
Reply patch_object(ServerState& state, const Call& call);
Reply delete_object(ServerState& state, const Call& call);

// GET on a collection with watch=true: a stream of watch events (watch.cpp).
Reply watch_objects(ServerState& state, const Call& call);

// Keeps the objects that match the labelSelector and fieldSelector query parameters.
std::function<bool(const nlohmann::json&)> list_filter(const httplib::Request& req);

// Service proxy and the external metrics API (extras.cpp).
Reply proxy_service(ServerState& state, const Call& call);
Reply external_metric(ServerState& state, const httplib::Request& req, const std::string& ns,
                      const std::string& metric);

// The unauthenticated /_fake/ control API (control.cpp).
Reply handle_control(ServerState& state, const httplib::Request& req);

} // namespace fake
