#pragma once
// The fake API server's router called in-process, as a net::HttpClient: the strict fake's
// behaviour (server-side apply, preconditions, Status bodies) without HTTPS, threads or a
// process, plus failures a test scripts in one line each — helm's failing_kube_client, one
// level lower. `fail("DELETE", hpa_path, 409)` fails the next DELETE of that path;
// `fail_nth(3, Fault::timeout)` the fourth request from now.
#include "graflow/kube/client.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fake {
class ServerState;
}

namespace graflow::testing {

enum class Fault {
  status,  // answered with a Status of the given code; the server does nothing
  timeout, // no answer (TransportError timeout); the server does nothing
  dropped, // the server does it, then the connection breaks before the answer (closed)
};

// One request as the client sent it, and what became of it.
struct SentRequest {
  std::string method;
  std::string path; // without the query
  std::string query;
  int status = 0; // 0: failed below HTTP (timeout, dropped)
};

class FakeKube {
public:
  // A fresh fake with bearer token `token` for user "test-user".
  explicit FakeKube(std::string token = "graflow-test-token");
  ~FakeKube();
  FakeKube(const FakeKube&) = delete;
  FakeKube& operator=(const FakeKube&) = delete;

  // HTTP clients that serve every request in-process (TLS options are ignored).
  [[nodiscard]] kube::HttpFactory http_factory();
  // A kubeconfig YAML naming this fake (server https://fake-apiserver.invalid, the token).
  [[nodiscard]] std::string kubeconfig() const;

  // The next `count` `method` requests of exactly `path` (no query) fail like this.
  void fail(std::string method, std::string path, int status, int count = 1);
  void fail(std::string method, std::string path, Fault fault, int count = 1);
  // The request `n` places after the last one sent so far (0: the next) fails.
  void fail_nth(std::size_t n, Fault fault, int status = 500);
  void clear_faults();

  [[nodiscard]] const std::vector<SentRequest>& requests() const { return requests_; }
  void clear_requests() { requests_.clear(); }

  // Stores a full object as given (status kept), like PUT /_fake/objects.
  void put(const nlohmann::json& object);
  // The object at an API path as the API would serve it; nullopt when absent.
  [[nodiscard]] std::optional<nlohmann::json> get(const std::string& api_path);

  // Serves one request (what the clients from http_factory() call).
  net::HttpResponse serve(const net::HttpRequest& request);

private:
  struct Rule {
    std::string method;
    std::string path;
    std::optional<std::size_t> nth; // an absolute request index instead of method+path
    Fault fault = Fault::status;
    int status = 500;
    int remaining = 1;
  };
  std::optional<Rule> take_rule(const std::string& method, const std::string& path);

  std::string token_;
  std::unique_ptr<fake::ServerState> state_;
  std::vector<Rule> rules_;
  std::vector<SentRequest> requests_;
};

} // namespace graflow::testing
