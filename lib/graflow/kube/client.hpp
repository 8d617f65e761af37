#pragma once
// A typed Kubernetes REST client over net::HttpClient: authentication per request,
// retries of idempotent requests, API errors as kubectl prints them, -v request logs.
// JSON in and out as nlohmann::json. Not thread-safe: one Client per thread.
#include "graflow/core/clock.hpp"
#include "graflow/kube/api_error.hpp"
#include "graflow/kube/exec_credential.hpp"
#include "graflow/kube/kubeconfig.hpp"
#include "graflow/kube/paths.hpp"
#include "graflow/net/http.hpp"
#include "graflow/net/module.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace graflow::kube {

using json = nlohmann::json;

// Makes the HTTP client for given TLS options (the libcurl module in the binary; a fake or
// graflow_net's make_curl_client in tests).
using HttpFactory = std::function<std::unique_ptr<net::HttpClient>(const net::ClientOptions&)>;

// The graflowctl-net module's libcurl client, loaded on first use.
HttpFactory module_http_factory();

// Idempotent requests (GET, PUT, PATCH, DELETE with preconditions; never POST) are retried
// after a refused or broken connection, 429 and 5xx (except 501), with exponential backoff
// or the server's Retry-After. Timeouts and TLS failures are not retried.
struct RetryPolicy {
  int attempts = 3;                             // in all, the first included
  std::chrono::milliseconds initial_delay{200}; // doubled after each attempt...
  std::chrono::milliseconds max_delay{2'000};   // ...up to this
  std::chrono::milliseconds max_retry_after{10'000}; // Retry-After beyond this is capped
};

struct ClientOptions {
  std::chrono::milliseconds request_timeout{30'000}; // --request-timeout: per attempt
  RetryPolicy retry;
  std::filesystem::path exec_cache_dir = default_exec_cache_dir(); // empty: memory only
  std::function<void(std::chrono::milliseconds)> sleep;            // empty: really sleep
  SystemClock now;                                                 // empty: the system clock
  // Monotonic time: token file refreshes and the request times in -v logs. Outlives the
  // client; null: a SystemClock.
  const Clock* clock = nullptr;
};

struct Preconditions {
  std::string uid;
  std::string resource_version;
  [[nodiscard]] bool empty() const { return uid.empty() && resource_version.empty(); }
};

enum class ApplyOutcome { created, configured, unchanged };
// "created", "configured", "unchanged" (kubectl's words).
const char* to_string(ApplyOutcome outcome);

struct ApplyResult {
  json object; // as the server returned it (as it would be, with dry_run)
  ApplyOutcome outcome = ApplyOutcome::configured;
};

// autoscaling/v1 Scale of a Deployment.
struct Scale {
  std::int64_t replicas = 0;        // spec.replicas
  std::int64_t status_replicas = 0; // status.replicas
  std::string selector;             // status.selector
  std::string resource_version;
};

// One API call, for anything the typed calls below don't cover.
struct Call {
  std::string method = "GET";
  std::string path; // from the API root, may carry a query: /apis/apps/v1/...?dryRun=All
  std::string body;
  std::string content_type; // with a body
  bool idempotent = true;   // may be retried
};

class Client {
public:
  Client(RestConfig config, HttpFactory http, ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  [[nodiscard]] const RestConfig& config() const { return config_; }
  // The namespace to work in (-n, the context's, or "default") and where it came from.
  [[nodiscard]] const std::string& namespace_() const { return config_.namespace_; }

  // Sends `call` (with auth and retries) and returns the 2xx response. Throws an ApiError for
  // any other status, and a failure Error naming the server for transport problems.
  net::HttpResponse send(const Call& call);

  // GET; nullopt when the object does not exist (404 naming an object). A 404 for an
  // unknown path or an uninstalled resource type is an ApiError.
  std::optional<json> get(const std::string& path);
  // GET of anything (service proxy, external metrics, discovery): the 2xx body.
  std::string raw_get(const std::string& path);

  // Server-side apply: one PATCH application/apply-patch+yaml ?fieldManager=M[&force=true]
  // [&dryRun=All] of `body` (YAML or JSON) at the object's path, and nothing else: the
  // outcome comes from the response alone (apply_outcome). That also holds for dry runs.
  ApplyResult apply(const std::string& path, const std::string& body, const std::string& field_manager = "graflowctl",
                    bool force = false, bool dry_run = false);
  // POST to a collection path; returns the created object. Never retried.
  json create(const std::string& collection_path, const json& object, bool dry_run = false);
  // PUT (carry metadata.resourceVersion for an optimistic-concurrency update).
  json replace(const std::string& path, const json& object, bool dry_run = false);
  // DELETE with a DeleteOptions body carrying the preconditions; true when deleted, false
  // when it did not exist. A stale precondition is an ApiError 409 Conflict.
  bool remove(const std::string& path, const Preconditions& preconditions = {}, bool dry_run = false);
  // PATCH application/merge-patch+json (annotations: {"metadata":{"annotations":{...}}};
  // null deletes a key). Returns the patched object.
  json patch_merge(const std::string& path, const json& patch, bool dry_run = false);

  // The scale subresource of apps/v1 Deployment NAME in NAMESPACE; nullopt when absent.
  std::optional<Scale> get_scale(const std::string& namespace_, const std::string& deployment);
  // Sets spec.replicas through the scale subresource (merge PATCH); returns the new Scale.
  Scale set_scale(const std::string& namespace_, const std::string& deployment, std::int64_t replicas,
                  bool dry_run = false);

private:
  struct AuthState;
  net::HttpResponse attempt(const Call& call, const std::string& url);
  void prepare_auth(net::HttpRequest& request);
  [[noreturn]] void throw_unauthorized(const net::HttpResponse& response);
  [[noreturn]] void throw_transport(const net::TransportError& e, const Call& call);
  void pause(std::chrono::milliseconds d);
  [[nodiscard]] std::chrono::system_clock::time_point wall_now() const;
  [[nodiscard]] std::chrono::steady_clock::time_point steady_now() const;

  RestConfig config_;
  HttpFactory make_http_;
  ClientOptions options_;
  std::unique_ptr<net::HttpClient> http_;
  net::TlsOptions http_tls_; // the TLS options http_ was made with
  std::unique_ptr<AuthState> auth_;
};

// What a server-side apply did, from its response: 201 -> created. Otherwise the entry of
// `field_manager` (operation Apply) in metadata.managedFields says: the server stamps its
// time (whole seconds) only when the apply changed the object or what the manager owns, so
// an entry older than the second the request could first have been served in means
// "unchanged", anything else "configured". That second is the response's Date header (the
// server's clock, so client clock skew does not matter; `received` when there is none) minus
// how long the request took (`received - sent`). Both have whole seconds, so a no-op apply
// less than two seconds after the previous change reads "configured", never wrongly
// "unchanged".
ApplyOutcome apply_outcome(int status, const json& object, const std::string& field_manager,
                           const std::optional<std::string>& date_header, std::chrono::system_clock::time_point sent,
                           std::chrono::system_clock::time_point received);

// An HTTP-date (RFC 9110 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT"); nullopt otherwise.
std::optional<std::chrono::system_clock::time_point> parse_http_date(const std::string& text);

// Everything for a command: kubeconfig or in-cluster config (environment lookups through
// load.getenv), then a Client whose HTTP clients come from `http` (the net module's libcurl
// client in the binary, a fake in tests).
std::unique_ptr<Client> make_client(const LoadOptions& load, ClientOptions options, HttpFactory http);

} // namespace graflow::kube
