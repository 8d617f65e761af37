#include "graflow/exporter/handler.hpp"

#include "graflow/exporter/text_format.hpp"

#include <future>
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

std::string Handler::Shared::body(const std::shared_ptr<const Reading>& reading, std::uint64_t errors) {
  std::lock_guard lock(mutex);
  if (reading != rendered_reading || errors != rendered_errors) {
    rendered.clear();
    page.render(rendered, *reading, errors);
    rendered_reading = reading;
    rendered_errors = errors;
  }
  return rendered;
}

Handler::Handler(Collector& collector, MetricsPage page)
    : collector_(collector), shared_(std::make_shared<Shared>(std::move(page))) {}

void Handler::handle(const net::ServerRequest& request, net::Respond respond) {
  const std::string_view path = request.path;
  if (path == "*") {
    // "OPTIONS *" asks about the server as a whole; no other method takes that target.
    if (request.method == "OPTIONS") {
      auto r = plain_response(200, "");
      r.headers.emplace_back("Allow", "GET, HEAD");
      respond(std::move(r));
      return;
    }
    respond(plain_response(400, "400 bad request: \"*\" is only a target for OPTIONS\n"));
    return;
  }
  const bool known = path == "/metrics" || path == "/healthz" || path == "/readyz";
  if (!known) {
    respond(plain_response(404, "404 page not found\n"));
    return;
  }
  if (request.method != "GET" && request.method != "HEAD") {
    auto r = plain_response(405, "405 method not allowed\n");
    r.headers.emplace_back("Allow", "GET, HEAD");
    respond(std::move(r));
    return;
  }
  if (path == "/healthz") {
    respond(plain_response(200, "ok\n"));
    return;
  }
  if (path == "/metrics") {
    collector_.read_async([shared = shared_, respond = std::move(respond)](const std::shared_ptr<const Reading>& reading) {
      std::uint64_t errors = shared->scrape_errors.load();
      if (!reading->redis_up) {
        errors = shared->scrape_errors.fetch_add(1) + 1;
      }
      net::ServerResponse r;
      r.content_type = text::content_type;
      r.body = shared->body(reading, errors);
      respond(std::move(r));
    });
    return;
  }
  collector_.read_async([respond = std::move(respond)](const std::shared_ptr<const Reading>& reading) {
    respond(reading->redis_up ? plain_response(200, "ok\n") : plain_response(503, "not ready: " + reading->error + "\n"));
  });
}

net::ServerResponse Handler::handle(const net::ServerRequest& request) {
  // Shared: the answer may come on another thread, still returning from set_value().
  auto promise = std::make_shared<std::promise<net::ServerResponse>>();
  auto answer = promise->get_future();
  handle(request, [promise](net::ServerResponse r) { promise->set_value(std::move(r)); });
  return answer.get();
}

} // namespace graflow::exporter
