#include "fake_kube.hpp"

#include "api.hpp"
#include "server.hpp"
#include "state.hpp"
#include "store.hpp"

#include <fmt/format.h>

namespace graflow::testing {
namespace {

using nlohmann::json;

class InProcessClient final : public net::HttpClient {
public:
  explicit InProcessClient(FakeKube& fake) : fake_(fake) {}
  net::HttpResponse send(const net::HttpRequest& request) override { return fake_.serve(request); }

private:
  FakeKube& fake_;
};

// "https://host:port/p/a/t/h?q" -> "/p/a/t/h?q"
std::string target_of(const std::string& url) {
  const auto scheme = url.find("://");
  const auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return slash == std::string::npos ? "/" : url.substr(slash);
}

httplib::Request http_request(const std::string& method, const std::string& target, const std::string& body,
                              const std::vector<std::pair<std::string, std::string>>& headers) {
  httplib::Request req;
  req.method = method;
  req.target = target;
  const auto q = target.find('?');
  req.path = httplib::detail::decode_url(target.substr(0, q), false);
  if (q != std::string::npos) {
    httplib::detail::parse_query_text(target.substr(q + 1), req.params);
  }
  for (const auto& [k, v] : headers) {
    req.headers.emplace(k, v);
  }
  req.body = body;
  req.remote_addr = "in-process";
  return req;
}

fake::Reply control(fake::ServerState& state, const std::string& method, const std::string& target,
                    const std::string& body = "") {
  return fake::handle_control(state, http_request(method, target, body, {{"Content-Type", "application/json"}}));
}

} // namespace

FakeKube::FakeKube(std::string token)
    : token_(std::move(token)), state_(std::make_unique<fake::ServerState>(fake::Config{{{token_, "test-user"}}, {}})) {}

FakeKube::~FakeKube() = default;

kube::HttpFactory FakeKube::http_factory() {
  return [this](const net::ClientOptions&) { return std::make_unique<InProcessClient>(*this); };
}

std::string FakeKube::kubeconfig() const {
  return fmt::format(R"(apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: https://fake-apiserver.invalid
users:
- name: test-user
  user:
    token: {}
contexts:
- name: fake
  context:
    cluster: fake
    user: test-user
current-context: fake
)",
                     token_);
}

void FakeKube::fail(std::string method, std::string path, int status, int count) {
  rules_.push_back({std::move(method), std::move(path), std::nullopt, Fault::status, status, count});
}

void FakeKube::fail(std::string method, std::string path, Fault fault, int count) {
  rules_.push_back({std::move(method), std::move(path), std::nullopt, fault, 500, count});
}

void FakeKube::fail_nth(std::size_t n, Fault fault, int status) {
  rules_.push_back({"", "", requests_.size() + n, fault, status, 1});
}

void FakeKube::clear_faults() { rules_.clear(); }

std::optional<FakeKube::Rule> FakeKube::take_rule(const std::string& method, const std::string& path) {
  for (auto it = rules_.begin(); it != rules_.end(); ++it) {
    const bool match = it->nth ? *it->nth == requests_.size() : it->method == method && it->path == path;
    if (match && it->remaining > 0) {
      Rule r = *it;
      if (--it->remaining == 0) {
        rules_.erase(it);
      }
      return r;
    }
  }
  return std::nullopt;
}

net::HttpResponse FakeKube::serve(const net::HttpRequest& request) {
  const std::string target = target_of(request.url);
  const auto q = target.find('?');
  SentRequest sent{request.method, target.substr(0, q), q == std::string::npos ? "" : target.substr(q + 1), 0};
  const auto rule = take_rule(sent.method, sent.path);
  const auto log = [&](int status) {
    sent.status = status;
    requests_.push_back(sent);
  };
  if (rule && rule->fault == Fault::timeout) {
    log(0);
    throw net::TransportError(net::TransportFailure::timeout,
                              fmt::format("fake-apiserver.invalid: no answer within {} ms (injected)",
                                          request.timeout.count()));
  }
  net::HttpResponse response;
  if (rule && rule->fault == Fault::status) {
    const json status = {{"kind", "Status"},
                         {"apiVersion", "v1"},
                         {"status", "Failure"},
                         {"message", fmt::format("injected fault: {} {}", sent.method, sent.path)},
                         {"reason", rule->status == 409 ? "Conflict" : "InternalError"},
                         {"code", rule->status}};
    response.status = rule->status;
    response.body = status.dump();
    response.headers["content-type"] = "application/json";
  } else {
    std::string user;
    const fake::Reply reply =
        fake::serve_api(*state_, http_request(request.method, target, request.body, request.headers), user);
    if (reply.stream) {
      throw std::logic_error("FakeKube does not stream watches; use the HTTPS fake-apiserver");
    }
    response.status = reply.status;
    response.body = reply.body;
    response.headers["content-type"] = reply.content_type;
    for (const auto& [k, v] : reply.headers) {
      std::string lower = k;
      for (auto& c : lower) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      response.headers[lower] = v;
    }
  }
  response.headers["date"] = fake::now_http_date();
  if (rule && rule->fault == Fault::dropped) {
    log(0);
    throw net::TransportError(net::TransportFailure::closed,
                              "fake-apiserver.invalid: connection closed before the answer (injected)");
  }
  log(response.status);
  return response;
}

void FakeKube::put(const json& object) {
  const auto reply = control(*state_, "PUT", "/_fake/objects", object.dump());
  if (reply.status >= 300) {
    throw std::runtime_error("FakeKube::put: " + reply.body);
  }
}

std::optional<json> FakeKube::get(const std::string& api_path) {
  const auto reply = control(*state_, "GET", "/_fake/objects" + api_path);
  if (reply.status == 404) {
    return std::nullopt;
  }
  if (reply.status >= 300) {
    throw std::runtime_error("FakeKube::get: " + reply.body);
  }
  return json::parse(reply.body);
}

} // namespace graflow::testing
