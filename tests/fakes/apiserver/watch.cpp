// Watches: the change journal replayed as a stream of JSON watch events, as long as the client
// listens (up to timeoutSeconds). Polling the journal also drives the simulated Deployment
// controller, so rollouts become visible to watchers.
#include "api.hpp"
#include "presenter.hpp"

#include <poll.h>

#include <memory>

namespace fake {

using nlohmann::json;

namespace {

struct WatchCursor {
  std::uint64_t revision = 0;
  bool table = false; // kubectl get -w asks for Tables: every event object is a one-row Table
  std::string include_object;
  std::vector<json> pending; // events not yet written
  std::chrono::steady_clock::time_point deadline;
  std::function<bool(const json&)> keep;
};

json event(const ResourceInfo& res, const WatchCursor& cursor, const std::string& type, json object) {
  if (cursor.table && type != "ERROR" && type != "BOOKMARK") {
    const std::string rv = object["metadata"].value("resourceVersion", "");
    object = table_of(res, {object}, cursor.include_object, rv);
  }
  return {{"type", type}, {"object", std::move(object)}};
}

bool write_line(httplib::DataSink& sink, const json& ev) {
  const std::string line = ev.dump() + "\n";
  return sink.write(line.data(), line.size());
}

// An HTTP/1.1 client sends nothing while it reads a watch, so readability means it closed.
bool client_gone(const httplib::Request& req) {
  if (req.ssl == nullptr) {
    return false;
  }
  pollfd p{SSL_get_fd(req.ssl), POLLIN | POLLRDHUP, 0};
  return ::poll(&p, 1, 0) > 0;
}

std::uint64_t parse_revision(const std::string& text) {
  try {
    std::size_t used = 0;
    const auto v = std::stoull(text, &used);
    if (used == text.size()) {
      return v;
    }
  } catch (const std::exception&) {
  }
  throw bad_request("invalid resource version: " + text);
}

} // namespace

Reply watch_objects(ServerState& st, const Call& call) {
  auto cursor = std::make_shared<WatchCursor>();
  cursor->keep = list_filter(call.http);
  cursor->table = call.http.get_header_value("Accept").find("as=Table") != std::string::npos;
  cursor->include_object = call.http.get_param_value("includeObject");
  const std::string timeout = call.http.get_param_value("timeoutSeconds");
  cursor->deadline = std::chrono::steady_clock::now() +
                     std::chrono::seconds(timeout.empty() ? 1800 : std::max(1LL, std::stoll(timeout)));
  const std::string rv = call.http.get_param_value("resourceVersion");
  const bool initial_events = call.http.get_param_value("sendInitialEvents") == "true";
  {
    auto lock = st.store.lock();
    if (rv.empty() || rv == "0" || initial_events) {
      for (Entry* entry : st.store.list(call.res, call.ns)) {
        reconcile(call.res, *entry, st.config.ready_delay, st.store);
        if (json obj = present(call.res, *entry); cursor->keep(obj)) {
          cursor->pending.push_back(event(call.res, *cursor, "ADDED", std::move(obj)));
        }
      }
      cursor->revision = st.store.revision();
      if (initial_events) {
        cursor->pending.push_back(event(call.res, *cursor, "BOOKMARK",
                                        {{"kind", call.res.kind},
                                         {"apiVersion", call.res.api_version()},
                                         {"metadata",
                                          {{"resourceVersion", std::to_string(cursor->revision)},
                                           {"annotations", {{"k8s.io/initial-events-end", "true"}}}}}}));
      }
    } else {
      cursor->revision = parse_revision(rv);
      if (cursor->revision < st.store.oldest_watchable()) {
        const ApiError gone(410, "Expired",
                            "too old resource version: " + rv + " (" + std::to_string(st.store.oldest_watchable()) +
                                ")");
        cursor->pending.push_back(event(call.res, *cursor, "ERROR", gone.status()));
        cursor->deadline = std::chrono::steady_clock::now();
      }
    }
  }
  Reply reply;
  // Not plain application/json: httplib would gzip the stream and hold events in the buffer.
  reply.content_type = "application/json;stream=watch";
  const httplib::Request* req = &call.http;
  const ResourceInfo* res = &call.res;
  const std::string ns = call.ns;
  ServerState* state = &st;
  reply.stream = [cursor, req, res, ns, state](std::size_t, httplib::DataSink& sink) {
    for (const auto& ev : cursor->pending) {
      if (!write_line(sink, ev)) {
        return false;
      }
    }
    cursor->pending.clear();
    if (std::chrono::steady_clock::now() >= cursor->deadline || state->stopping()) {
      sink.done();
      return true;
    }
    std::vector<WatchEvent> events;
    {
      auto lock = state->store.lock();
      for (Entry* entry : state->store.list(*res, ns)) {
        reconcile(*res, *entry, state->config.ready_delay, state->store);
      }
      events = state->store.events_since(*res, ns, cursor->revision);
      if (events.empty()) {
        state->store.changed.wait_for(lock, std::chrono::milliseconds(100));
        events = state->store.events_since(*res, ns, cursor->revision);
      }
    }
    for (auto& ev : events) {
      cursor->revision = ev.revision;
      if (cursor->keep(ev.object)) {
        cursor->pending.push_back(event(*res, *cursor, ev.type, std::move(ev.object)));
      }
    }
    if (cursor->pending.empty() && client_gone(*req)) {
      return false;
    }
    return true;
  };
  return reply;
}

} // namespace fake
