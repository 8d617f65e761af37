#include "server.hpp"

#include "api.hpp"
#include "auth.hpp"

#include <sys/socket.h>

#include <cstdio>

namespace fake {

using nlohmann::json;

namespace {

void write_reply(httplib::Response& res, const Reply& reply) {
  res.status = reply.status;
  // kube-apiserver sends Date (Go's net/http does); graflowctl reads the server's time from it.
  res.set_header("Date", now_http_date());
  for (const auto& [k, v] : reply.headers) {
    res.set_header(k, v);
  }
  if (reply.stream) {
    res.set_chunked_content_provider(reply.content_type, reply.stream);
  } else {
    res.set_content(reply.body, reply.content_type);
  }
}

// Closes the TCP connection under the TLS session, so the client sees no response at all.
void drop_connection(const httplib::Request& req) {
  if (req.ssl != nullptr) {
    ::shutdown(SSL_get_fd(req.ssl), SHUT_RDWR);
  }
}

Reply fault_reply(const Fault& fault) {
  static const std::map<int, std::pair<const char*, const char*>> known = {
      {400, {"BadRequest", "fake fault injected"}},
      {401, {"Unauthorized", "Unauthorized"}},
      {403, {"Forbidden", "fake fault injected"}},
      {404, {"NotFound", "the server could not find the requested resource"}},
      {409, {"Conflict", "fake fault injected"}},
      {429, {"TooManyRequests", "Too many requests, please try again later."}},
      {500, {"InternalError", "Internal error occurred: fake fault injected"}},
      {503, {"ServiceUnavailable", "the server is currently unable to handle the request"}},
      {504, {"Timeout", "Timeout: request did not complete within the allotted timeout"}},
  };
  std::string reason = "Unknown";
  std::string message = "fake fault injected";
  if (const auto it = known.find(fault.status); it != known.end()) {
    reason = it->second.first;
    message = it->second.second;
  }
  if (!fault.reason.empty()) {
    reason = fault.reason;
  }
  if (!fault.message.empty()) {
    message = fault.message;
  }
  Reply reply = error_reply(ApiError(fault.status, reason, message));
  if (fault.status == 429 || fault.status == 503) {
    reply.headers["Retry-After"] = "1";
  }
  return reply;
}

std::string query_of(const httplib::Request& req) {
  const auto q = req.target.find('?');
  return q == std::string::npos ? "" : req.target.substr(q + 1);
}

void print_line(const httplib::Request& req, int status, const std::string& user,
                std::chrono::steady_clock::time_point start, const char* note = "") {
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "fake-apiserver: %s \"%s %s\" %d user=%s %.1fms%s\n", req.remote_addr.c_str(),
               req.method.c_str(), req.target.c_str(), status, user.empty() ? "-" : user.c_str(), ms, note);
}

void record(ServerState& st, const httplib::Request& req, int status, const std::string& user) {
  st.log_request({{"method", req.method},
                  {"path", req.path},
                  {"query", query_of(req)},
                  {"contentType", req.get_header_value("Content-Type")},
                  {"status", status},
                  {"user", user},
                  {"body", req.body.substr(0, 65536)}});
}

} // namespace

Reply serve_api(ServerState& st, const httplib::Request& req, std::string& user) {
  try {
    const auto who = authenticate(req, st.config.tokens);
    if (!who) {
      throw unauthorized();
    }
    user = *who;
    return handle_api(st, req, user);
  } catch (const ApiError& e) {
    return error_reply(e);
  } catch (const json::exception& e) {
    return error_reply(bad_request(e.what()));
  } catch (const std::exception& e) {
    return error_reply(internal_error(e.what()));
  }
}

void install_routes(httplib::Server& server, ServerState& st) {
  auto handler = [&st](const httplib::Request& req, httplib::Response& res) {
    const auto start = std::chrono::steady_clock::now();
    if (req.path.starts_with("/_fake/")) {
      const Reply reply = handle_control(st, req);
      write_reply(res, reply);
      print_line(req, reply.status, "", start, " (control)");
      return;
    }
    if (auto fault = st.take_fault(req.method, req.path)) {
      if (fault->action == "drop" ||
          (fault->action == "hang" && !st.sleep_unless_stopped(std::chrono::duration<double>(fault->seconds)))) {
        drop_connection(req);
        record(st, req, 0, "");
        print_line(req, 0, "", start, " (fault: connection dropped)");
        return;
      }
      if (fault->action == "status") {
        const Reply reply = fault_reply(*fault);
        write_reply(res, reply);
        record(st, req, reply.status, "");
        print_line(req, reply.status, "", start, " (fault)");
        return;
      }
    }
    std::string user;
    const Reply reply = serve_api(st, req, user);
    write_reply(res, reply);
    record(st, req, reply.status, user);
    // Say why on the log line when the fake itself failed; clients only see the Status.
    const std::string why = reply.status >= 500 && !reply.stream ? " " + reply.body : "";
    print_line(req, reply.status, user, start, why.c_str());
  };
  server.Get(".*", handler);
  server.Post(".*", handler);
  server.Put(".*", handler);
  server.Patch(".*", handler);
  server.Delete(".*", handler);
  server.Options(".*", handler);
}

} // namespace fake
