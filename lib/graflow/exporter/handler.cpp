#include "graflow/exporter/handler.hpp"

#include "graflow/exporter/text_format.hpp"

#include <string_view>

namespace graflow::exporter {
namespace {

constexpr std::string_view plain = "text/plain; charset=utf-8";

net::ServerResponse plain_response(int status, std::string body) {
  net::ServerResponse r;
  r.status = status;
  r.content_type = plain;
  r.body = std::move(body);
  return r;
}

} // namespace

Handler::Handler(Collector& collector, MetricsPage page) : collector_(collector), page_(std::move(page)) {}

net::ServerResponse Handler::handle(const net::ServerRequest& request) {
  const std::string_view path = request.path;
  if (path == "*") {
    // "OPTIONS *" asks about the server as a whole; no other method takes that target.
    if (request.method == "OPTIONS") {
      auto r = plain_response(200, "");
      r.headers.emplace_back("Allow", "GET, HEAD");
      return r;
    }
    return plain_response(400, "400 bad request: \"*\" is only a target for OPTIONS\n");
  }
  const bool known = path == "/metrics" || path == "/healthz" || path == "/readyz";
  if (!known) {
    return plain_response(404, "404 page not found\n");
  }
  if (request.method != "GET" && request.method != "HEAD") {
    auto r = plain_response(405, "405 method not allowed\n");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  if (path == "/metrics") {
    return metrics();
  }
  if (path == "/readyz") {
    return ready();
  }
  return plain_response(200, "ok\n");
}

net::ServerResponse Handler::metrics() {
  const std::shared_ptr<const Reading> reading = collector_.read();
  std::uint64_t errors = scrape_errors_.load();
  if (!reading->redis_up) {
    errors = scrape_errors_.fetch_add(1) + 1;
  }
  net::ServerResponse r;
  r.content_type = text::content_type;
  page_.render(r.body, *reading, errors);
  return r;
}

net::ServerResponse Handler::ready() {
  const std::shared_ptr<const Reading> reading = collector_.read();
  if (reading->redis_up) {
    return plain_response(200, "ok\n");
  }
  return plain_response(503, "not ready: " + reading->error + "\n");
}

} // namespace graflow::exporter
