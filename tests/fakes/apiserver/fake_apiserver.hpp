#pragma once

// A running fake-apiserver for integration tests: a temp dir with fresh certificates, the
// server process on a free port, and a kubeconfig pointing at it. Everything is torn down
// when the object goes away.

#include <nlohmann/json.hpp>

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace graflow::testing {

struct FakeApiServerOptions {
  // Bearer tokens the server accepts (token, user). The first goes into the kubeconfig.
  std::vector<std::pair<std::string, std::string>> tokens = {{"graflow-test-token", "test-user"}};
  // How long Deployment replicas take to become ready after a spec change.
  std::chrono::milliseconds ready_delay{0};
};

struct HttpRequest {
  std::string method = "GET";
  std::string path; // with the query string, e.g. /api/v1/namespaces/w/services?labelSelector=a%3Db
  std::string body;
  std::string content_type;
  std::optional<std::string> token; // sent as Authorization: Bearer
  bool client_cert = false;         // present client.crt (CN=cert-user, signed by ca.crt)
  bool wrong_client_cert = false;   // present wrong-client.crt (signed by wrong-ca.crt)
  std::vector<std::string> headers; // extra "Name: value" lines
  std::chrono::milliseconds timeout{10000};
};

struct HttpResponse {
  long status = 0; // 0: no HTTP response (refused, dropped or timed out); see error
  std::string body;
  std::string content_type;
  std::string error;

  nlohmann::json json() const { return nlohmann::json::parse(body); }
};

class FakeApiServer {
public:
  explicit FakeApiServer(FakeApiServerOptions options = {});
  ~FakeApiServer();
  FakeApiServer(const FakeApiServer&) = delete;
  FakeApiServer& operator=(const FakeApiServer&) = delete;

  int port() const { return port_; }
  std::string url() const; // https://127.0.0.1:PORT
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path kubeconfig_path() const { return dir_ / "kubeconfig"; }
  std::filesystem::path ca_path() const { return dir_ / "ca.crt"; }
  std::filesystem::path client_cert_path() const { return dir_ / "client.crt"; }
  std::filesystem::path client_key_path() const { return dir_ / "client.key"; }
  std::filesystem::path wrong_ca_path() const { return dir_ / "wrong-ca.crt"; }
  const std::string& token() const { return options_.tokens.front().first; }
  // What the server has written to stderr so far (one line per request).
  std::string log() const;

  // One HTTPS request to the server, trusting ca.crt.
  HttpResponse send(const HttpRequest& request) const;

  // The control API (no authentication, not in the request log). These throw
  // std::runtime_error when the server refuses.
  nlohmann::json put_object(const nlohmann::json& object);
  void delete_all_objects();
  void add_fault(const nlohmann::json& fault);
  void clear_faults();
  nlohmann::json requests();
  void clear_requests();
  void set_external_metric(const std::string& ns, const std::string& metric, const nlohmann::json& labels,
                           const std::string& value);
  // The object (or list) at an API path as the API would serve it; nullopt on 404.
  std::optional<nlohmann::json> get_object(const std::string& api_path);

private:
  HttpResponse control(const std::string& method, const std::string& path, const std::string& body = "") const;
  nlohmann::json control_json(const std::string& method, const std::string& path, const std::string& body = "") const;
  void stop();

  FakeApiServerOptions options_;
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

} // namespace graflow::testing
