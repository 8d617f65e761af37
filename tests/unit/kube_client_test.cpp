// kube::Client over a scripted net::HttpClient (the project's HTTP seam): requests as sent,
// retries and backoff, Status errors, typed calls. The real HTTPS path is covered by
// tests/integration/kube_client_test.cpp against the fake API server.
#include "graflow/core/error.hpp"
#include "graflow/core/log.hpp"
#include "graflow/kube/client.hpp"
#include "harness.hpp"

#include <cstdio>
#include <deque>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

using namespace graflow;
using namespace graflow::kube;
using graflow::testing::read_text;
using graflow::testing::TempDir;
using graflow::testing::write_text;
using std::chrono::milliseconds;

namespace {

// What the fake HTTP client answers, one step per request, and what it was sent.
struct Script {
  struct Step {
    int status = 200;
    std::string body = "{}";
    std::map<std::string, std::string> headers;
    std::optional<net::TransportFailure> failure;
  };
  std::deque<Step> steps;
  std::vector<net::HttpRequest> requests;
  std::vector<net::TlsOptions> clients_made;

  Script& then(int status, std::string body = "{}", std::map<std::string, std::string> headers = {}) {
    steps.push_back({status, std::move(body), std::move(headers), std::nullopt});
    return *this;
  }
  Script& then_fail(net::TransportFailure failure) {
    steps.push_back({0, "", {}, failure});
    return *this;
  }
  [[nodiscard]] std::string header(std::size_t i, const std::string& name) const {
    for (const auto& [n, v] : requests.at(i).headers) {
      if (n == name) {
        return v;
      }
    }
    return "";
  }
};

class ScriptedHttp : public net::HttpClient {
public:
  explicit ScriptedHttp(Script& script) : script_(script) {}
  net::HttpResponse send(const net::HttpRequest& request) override {
    script_.requests.push_back(request);
    REQUIRE_MESSAGE(!script_.steps.empty(), "unexpected request " << request.method << " " << request.url);
    const Script::Step step = script_.steps.front();
    script_.steps.pop_front();
    if (step.failure) {
      throw net::TransportError(*step.failure, "scripted transport failure to k.example:6443");
    }
    return {step.status, step.headers, step.body};
  }

private:
  Script& script_;
};

RestConfig token_config() {
  RestConfig rc;
  rc.server = "https://k.example:6443";
  rc.context = "prod";
  rc.cluster = "prod-cluster";
  rc.user = "deployer";
  rc.files = {"/home/me/.kube/config"};
  rc.auth.token = "s3cret-token";
  rc.namespace_ = "workers";
  return rc;
}

struct Fixture {
  Script script;
  std::vector<milliseconds> sleeps;
  Client client;

  explicit Fixture(RestConfig rc = token_config(), ClientOptions options = {})
      : client(std::move(rc),
               [this](const net::ClientOptions& o) {
                 script.clients_made.push_back(o.tls);
                 return std::make_unique<ScriptedHttp>(script);
               },
               with_sleep(std::move(options))) {}

  ClientOptions with_sleep(ClientOptions o) {
    o.sleep = [this](milliseconds d) { sleeps.push_back(d); };
    o.exec_cache_dir.clear();
    return o;
  }
};

template <typename E = ApiError, typename F> E thrown(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e;
  }
  FAIL("expected an exception");
  throw std::logic_error("unreachable");
}

std::string status_body(int code, const std::string& reason, const std::string& message, const std::string& name = "") {
  nlohmann::json s = {{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"}, {"message", message},
                      {"reason", reason}, {"code", code}};
  if (!name.empty()) {
    s["details"] = {{"name", name}, {"group", "autoscaling"}, {"kind", "horizontalpodautoscalers"}};
  }
  return s.dump();
}

// Captures what graflow::log writes to stderr while alive.
class StderrCapture {
public:
  StderrCapture() : saved_(dup(2)) {
    std::fflush(stderr);
    const int fd = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 2);
    ::close(fd);
  }
  ~StderrCapture() { restore(); }
  StderrCapture(const StderrCapture&) = delete;
  StderrCapture& operator=(const StderrCapture&) = delete;
  std::string text() {
    restore();
    return read_text(file_);
  }

private:
  void restore() {
    if (saved_ >= 0) {
      std::fflush(stderr);
      dup2(saved_, 2);
      ::close(saved_);
      saved_ = -1;
    }
  }
  TempDir dir_;
  std::filesystem::path file_ = dir_ / "stderr";
  int saved_;
};

const std::string k_hpa_path = "/apis/autoscaling/v2/namespaces/workers/horizontalpodautoscalers/worker";

} // namespace

TEST_CASE("a GET carries the bearer token, Accept, User-Agent and the request timeout") {
  ClientOptions options;
  options.request_timeout = milliseconds(1500);
  Fixture f(token_config(), options);
  f.script.then(200, R"({"kind":"HorizontalPodAutoscaler"})");
  const auto hpa = f.client.get(k_hpa_path);
  REQUIRE(hpa.has_value());
  CHECK((*hpa)["kind"] == "HorizontalPodAutoscaler");
  REQUIRE(f.script.requests.size() == 1);
  const auto& r = f.script.requests[0];
  CHECK(r.method == "GET");
  CHECK(r.url == "https://k.example:6443" + k_hpa_path);
  CHECK(r.timeout == milliseconds(1500));
  CHECK(f.script.header(0, "Authorization") == "Bearer s3cret-token");
  CHECK(f.script.header(0, "Accept") == "application/json");
  CHECK(f.script.header(0, "User-Agent") == std::string("graflowctl/") + GRAFLOW_VERSION);
  CHECK(f.script.header(0, "Content-Type").empty());
  CHECK(f.script.clients_made.size() == 1);
}

TEST_CASE("basic auth and no auth") {
  auto rc = token_config();
  rc.auth = {};
  rc.auth.username = "admin";
  rc.auth.password = "pw";
  Fixture f(rc);
  f.script.then(200);
  f.client.raw_get("/version");
  CHECK(f.script.header(0, "Authorization") == "Basic YWRtaW46cHc=");

  auto anon = token_config();
  anon.auth = {};
  Fixture g(anon);
  g.script.then(200);
  g.client.raw_get("/version");
  CHECK(g.script.header(0, "Authorization").empty());
}

TEST_CASE("a token file is read per client and trimmed") {
  TempDir dir;
  write_text(dir / "token", "file-token\n");
  auto rc = token_config();
  rc.auth = {};
  rc.auth.token_file = dir / "token";
  Fixture f(rc);
  f.script.then(200);
  f.client.raw_get("/version");
  CHECK(f.script.header(0, "Authorization") == "Bearer file-token");
}

TEST_CASE("a token file is read again once a minute has passed on the client's clock") {
  TempDir dir;
  write_text(dir / "token", "first\n");
  auto rc = token_config();
  rc.auth = {};
  rc.auth.token_file = dir / "token";
  FixedClock clock(std::chrono::system_clock::now());
  ClientOptions options;
  options.clock = &clock;
  Fixture f(rc, options);
  f.script.then(200).then(200).then(200);
  f.client.raw_get("/version");
  write_text(dir / "token", "rotated\n");
  clock.advance(std::chrono::seconds(59));
  f.client.raw_get("/version");
  CHECK(f.script.header(1, "Authorization") == "Bearer first"); // still cached
  clock.advance(std::chrono::seconds(2));
  f.client.raw_get("/version");
  CHECK(f.script.header(2, "Authorization") == "Bearer rotated");
}

TEST_CASE("get: nullopt for a missing object, an error for an unknown resource type") {
  Fixture f;
  f.script.then(404, status_body(404, "NotFound", "horizontalpodautoscalers.autoscaling \"worker\" not found", "worker"));
  CHECK_FALSE(f.client.get(k_hpa_path).has_value());
  CHECK(f.sleeps.empty());

  f.script.then(404, status_body(404, "NotFound", "the server could not find the requested resource"));
  const auto e = thrown([&] { f.client.get("/apis/monitoring.coreos.com/v1/namespaces/w/servicemonitors/x"); });
  CHECK(std::string(e.what()) == "Error from server (NotFound): the server could not find the requested resource");
  CHECK(e.status() == 404);
  CHECK_FALSE(e.object_not_found());
}

TEST_CASE("Status errors are printed like kubectl and keep code and reason") {
  const auto e = api_error_from_response(
      404, status_body(404, "NotFound", "horizontalpodautoscalers.autoscaling \"x\" not found", "x"));
  CHECK(std::string(e.what()) == "Error from server (NotFound): horizontalpodautoscalers.autoscaling \"x\" not found");
  CHECK(e.code() == Exit::failure);
  CHECK(e.status() == 404);
  CHECK(e.reason() == "NotFound");
  CHECK(e.server_message() == "horizontalpodautoscalers.autoscaling \"x\" not found");
  CHECK(e.object_not_found());

  CHECK(std::string(api_error_from_response(422, status_body(422, "Invalid", "Deployment.apps \"w\" is invalid: spec.replicas: Invalid value: -1")).what()) ==
        "Error from server (Invalid): Deployment.apps \"w\" is invalid: spec.replicas: Invalid value: -1");
  CHECK(std::string(api_error_from_response(500, R"({"kind":"Status","status":"Failure","message":"etcd is sad"})").what()) ==
        "Error from server: etcd is sad");
  const auto proxy = api_error_from_response(502, "<html>\n<h1>Bad Gateway</h1>\n</html>\n");
  CHECK(std::string(proxy.what()) ==
        "Error from server (InternalError): an error on the server (\"<html> <h1>Bad Gateway</h1> </html>\") has "
        "prevented the request from succeeding");
  CHECK(std::string(api_error_from_response(409, "").what()) == "Error from server (Conflict): the server reported a conflict");
  CHECK(api_error_from_response(409, "").reason() == "Conflict");
}

TEST_CASE("idempotent requests are retried on 5xx with exponential backoff") {
  Fixture f;
  f.script.then(500, status_body(500, "InternalError", "boom")).then(503).then(200, R"({"ok":true})");
  CHECK(f.client.get(k_hpa_path).value()["ok"] == true);
  CHECK(f.script.requests.size() == 3);
  CHECK(f.sleeps == std::vector<milliseconds>{milliseconds(200), milliseconds(400)});
}

TEST_CASE("429 honours Retry-After (capped)") {
  Fixture f;
  f.script.then(429, status_body(429, "TooManyRequests", "slow down"), {{"retry-after", "3"}})
      .then(429, "", {{"retry-after", "3600"}})
      .then(200);
  f.client.raw_get("/version");
  CHECK(f.sleeps == std::vector<milliseconds>{milliseconds(3000), milliseconds(10'000)});
}

TEST_CASE("retries give up after the last attempt with the server's error") {
  Fixture f;
  f.script.then(503).then(503).then(503, status_body(503, "ServiceUnavailable", "apiserver is shutting down"));
  const auto e = thrown([&] { f.client.raw_get("/version"); });
  CHECK(std::string(e.what()) == "Error from server (ServiceUnavailable): apiserver is shutting down");
  CHECK(e.status() == 503);
  CHECK(f.script.requests.size() == 3);
  CHECK(f.sleeps.size() == 2);
}

TEST_CASE("backoff is capped by max_delay") {
  ClientOptions options;
  options.retry.attempts = 5;
  options.retry.initial_delay = milliseconds(300);
  options.retry.max_delay = milliseconds(1000);
  Fixture f(token_config(), options);
  f.script.then(500).then(500).then(500).then(500).then(200);
  f.client.raw_get("/version");
  CHECK(f.sleeps == std::vector<milliseconds>{milliseconds(300), milliseconds(600), milliseconds(1000), milliseconds(1000)});
}

TEST_CASE("POST is never retried, not even on 503 or a broken connection") {
  Fixture f;
  f.script.then(503);
  CHECK_THROWS_AS(f.client.create("/api/v1/namespaces/w/services", {{"kind", "Service"}}), ApiError);
  CHECK(f.script.requests.size() == 1);
  f.script.then_fail(net::TransportFailure::closed);
  CHECK_THROWS_AS(f.client.create("/api/v1/namespaces/w/services", {{"kind", "Service"}}), net::TransportError);
  CHECK(f.script.requests.size() == 2);
  CHECK(f.sleeps.empty());
}

TEST_CASE("4xx answers are not retried") {
  Fixture f;
  f.script.then(409, status_body(409, "Conflict", "Operation cannot be fulfilled on horizontalpodautoscalers.autoscaling \"worker\": the object has been modified; please apply your changes to the latest version and try again"));
  const auto e = thrown([&] { f.client.replace(k_hpa_path, {{"kind", "HorizontalPodAutoscaler"}}); });
  CHECK(e.status() == 409);
  CHECK(e.reason() == "Conflict");
  CHECK(f.script.requests.size() == 1);
  CHECK(f.script.requests[0].method == "PUT");
}

TEST_CASE("connection failures: refused and dropped are retried; timeouts and TLS are not") {
  SUBCASE("refused, then dropped, then answered") {
    Fixture f;
    f.script.then_fail(net::TransportFailure::connect).then_fail(net::TransportFailure::closed).then(200);
    f.client.raw_get("/version");
    CHECK(f.script.requests.size() == 3);
    CHECK(f.sleeps.size() == 2);
  }
  SUBCASE("refused three times: the error names the context and server") {
    Fixture f;
    f.script.then_fail(net::TransportFailure::connect).then_fail(net::TransportFailure::connect).then_fail(net::TransportFailure::connect);
    const auto e = thrown<net::TransportError>([&] { f.client.raw_get("/version"); });
    CHECK(std::string(e.what()) == "cannot reach the Kubernetes API server of context \"prod\" (https://k.example:6443): "
                                   "scripted transport failure to k.example:6443");
    CHECK(e.code() == Exit::failure);
  }
  SUBCASE("timeout") {
    ClientOptions options;
    options.request_timeout = milliseconds(1500);
    Fixture f(token_config(), options);
    f.script.then_fail(net::TransportFailure::timeout);
    const auto e = thrown<net::TransportError>([&] { f.client.raw_get("/version?x=1"); });
    CHECK(std::string(e.what()) == "Kubernetes API request GET /version timed out after 1.5s (--request-timeout): "
                                   "scripted transport failure to k.example:6443");
    CHECK(f.script.requests.size() == 1);
  }
  SUBCASE("TLS: a hint at the kubeconfig") {
    Fixture f;
    f.script.then_fail(net::TransportFailure::tls);
    const auto e = thrown<net::TransportError>([&] { f.client.raw_get("/version"); });
    CHECK(std::string(e.what()) == "cannot connect to the Kubernetes API server of context \"prod\" (https://k.example:6443): "
                                   "scripted transport failure to k.example:6443; check certificate-authority of "
                                   "cluster \"prod-cluster\" in /home/me/.kube/config");
    CHECK(f.script.requests.size() == 1);
  }
}

TEST_CASE("401: a clear message, no retry, no token in it") {
  Fixture f;
  f.script.then(401, status_body(401, "Unauthorized", "Unauthorized"));
  const auto e = thrown([&] { f.client.get(k_hpa_path); });
  CHECK(std::string(e.what()) == "the server rejected the credentials (401 Unauthorized): the token may have expired or "
                                 "been revoked; get a new one and update user \"deployer\" in /home/me/.kube/config");
  CHECK(e.status() == 401);
  CHECK(e.reason() == "Unauthorized");
  CHECK(f.script.requests.size() == 1);
}

TEST_CASE("apply: one PATCH apply-patch+yaml with fieldManager, force and dryRun; the outcome from its response") {
  const std::string path = "/apis/apps/v1/namespaces/workers/deployments/worker";
  const std::string yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker\n";
  // The server's clock says 12:00:05; graflowctl's Apply entry is stamped when it changed something.
  const std::map<std::string, std::string> date = {{"date", "Sun, 01 Mar 2026 12:00:05 GMT"}};
  auto object = [](const std::string& manager, const std::string& time) {
    return nlohmann::json{{"kind", "Deployment"},
                          {"metadata",
                           {{"name", "worker"},
                            {"resourceVersion", "1"},
                            {"managedFields", nlohmann::json::array({{{"manager", manager}, {"operation", "Apply"},
                                                                      {"time", time}}})}}},
                          {"spec", {{"paused", false}}}};
  };

  SUBCASE("created") {
    Fixture f;
    f.script.then(201, object("graflowctl", "2026-03-01T12:00:05Z").dump(), date);
    const auto r = f.client.apply(path, yaml);
    CHECK(r.outcome == ApplyOutcome::created);
    CHECK(std::string(to_string(r.outcome)) == "created");
    CHECK(r.object["metadata"]["name"] == "worker");
    REQUIRE(f.script.requests.size() == 1);
    CHECK(f.script.requests[0].method == "PATCH");
    CHECK(f.script.requests[0].url == "https://k.example:6443" + path + "?fieldManager=graflowctl");
    CHECK(f.script.header(0, "Content-Type") == "application/apply-patch+yaml");
    CHECK(f.script.requests[0].body == yaml);
  }
  SUBCASE("unchanged: our entry is older than the request") {
    Fixture f;
    f.script.then(200, object("graflowctl", "2026-03-01T11:00:00Z").dump(), date);
    CHECK(f.client.apply(path, yaml, "graflowctl", true, true).outcome == ApplyOutcome::unchanged);
    REQUIRE(f.script.requests.size() == 1);
    CHECK(f.script.requests[0].url == "https://k.example:6443" + path + "?fieldManager=graflowctl&force=true&dryRun=All");
  }
  SUBCASE("configured: our entry was stamped by this request") {
    Fixture f;
    f.script.then(200, object("my manager", "2026-03-01T12:00:05Z").dump(), date);
    CHECK(f.client.apply(path, yaml, "my manager").outcome == ApplyOutcome::configured);
    CHECK(f.script.requests[0].url == "https://k.example:6443" + path + "?fieldManager=my%20manager");
  }
  SUBCASE("an apply conflict is the server's error") {
    Fixture f;
    f.script.then(409, status_body(409, "Conflict", "Apply failed with 1 conflict: conflict with \"kube-controller-manager\": .spec.replicas"));
    const auto e = thrown([&] { f.client.apply(path, yaml); });
    CHECK(std::string(e.what()) == "Error from server (Conflict): Apply failed with 1 conflict: conflict with "
                                   "\"kube-controller-manager\": .spec.replicas");
  }
}

TEST_CASE("remove: DeleteOptions with preconditions; retried only with preconditions") {
  SUBCASE("deleted") {
    Fixture f;
    f.script.then(503).then(200, status_body(200, "", ""));
    CHECK(f.client.remove(k_hpa_path, {"uid-1", "42"}));
    REQUIRE(f.script.requests.size() == 2);
    CHECK(f.script.requests[1].method == "DELETE");
    const auto body = nlohmann::json::parse(f.script.requests[1].body);
    CHECK(body["kind"] == "DeleteOptions");
    CHECK(body["preconditions"]["uid"] == "uid-1");
    CHECK(body["preconditions"]["resourceVersion"] == "42");
    CHECK_FALSE(body.contains("dryRun"));
  }
  SUBCASE("already gone") {
    Fixture f;
    f.script.then(404, status_body(404, "NotFound", "horizontalpodautoscalers.autoscaling \"worker\" not found", "worker"));
    CHECK_FALSE(f.client.remove(k_hpa_path, {"uid-1", ""}));
  }
  SUBCASE("stale preconditions: 409 Conflict") {
    Fixture f;
    f.script.then(409, status_body(409, "Conflict", "Operation cannot be fulfilled on horizontalpodautoscalers.autoscaling \"worker\": the ResourceVersion in the precondition (41) does not match the ResourceVersion in record (42). The object might have been modified"));
    const auto e = thrown([&] { f.client.remove(k_hpa_path, {"", "41"}); });
    CHECK(e.status() == 409);
    CHECK(std::string(e.what()).find("Error from server (Conflict): Operation cannot be fulfilled") == 0);
  }
  SUBCASE("without preconditions a 503 is not retried") {
    Fixture f;
    f.script.then(503);
    CHECK_THROWS_AS(f.client.remove(k_hpa_path, {}, true), ApiError);
    CHECK(f.script.requests.size() == 1);
    CHECK(nlohmann::json::parse(f.script.requests[0].body)["dryRun"] == nlohmann::json::array({"All"}));
  }
}

TEST_CASE("patch_merge and the scale subresource") {
  Fixture f;
  f.script.then(200, R"({"metadata":{"annotations":{"a":"b"}}})");
  f.client.patch_merge("/apis/apps/v1/namespaces/workers/deployments/worker", {{"metadata", {{"annotations", {{"a", "b"}}}}}});
  CHECK(f.script.requests[0].method == "PATCH");
  CHECK(f.script.header(0, "Content-Type") == "application/merge-patch+json");

  f.script.then(200, R"({"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"resourceVersion":"7"},"spec":{"replicas":2},"status":{"replicas":2,"selector":"app=worker"}})");
  const auto s = f.client.get_scale("workers", "worker");
  REQUIRE(s.has_value());
  CHECK(s->replicas == 2);
  CHECK(s->status_replicas == 2);
  CHECK(s->selector == "app=worker");
  CHECK(s->resource_version == "7");
  CHECK(f.script.requests[1].url == "https://k.example:6443/apis/apps/v1/namespaces/workers/deployments/worker/scale");

  f.script.then(200, R"({"kind":"Scale","spec":{"replicas":12},"status":{"replicas":2}})");
  CHECK(f.client.set_scale("workers", "worker", 12, true).replicas == 12);
  CHECK(f.script.requests[2].method == "PATCH");
  CHECK(f.script.requests[2].url == "https://k.example:6443/apis/apps/v1/namespaces/workers/deployments/worker/scale?dryRun=All");
  CHECK(nlohmann::json::parse(f.script.requests[2].body) == nlohmann::json{{"spec", {{"replicas", 12}}}});

  f.script.then(404, status_body(404, "NotFound", "deployments.apps \"nope\" not found", "nope"));
  CHECK_FALSE(f.client.get_scale("workers", "nope").has_value());
}

TEST_CASE("exec credentials: the plugin's token, and one re-run after a 401") {
  TempDir dir;
  write_text(dir / "plugin.sh", R"(#!/bin/sh
n=$(($(cat "$0.count" 2>/dev/null || echo 0) + 1)); echo $n > "$0.count"
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"exec-%s"}}' $n
)");
  std::filesystem::permissions(dir / "plugin.sh", std::filesystem::perms::owner_all);
  auto rc = token_config();
  rc.auth = {};
  rc.auth.exec = ExecConfig{"client.authentication.k8s.io/v1", (dir / "plugin.sh").string(), {}, {}, "", false, "Never"};
  ExecCredentialProvider::clear_memory_cache();
  Fixture f(rc);
  f.script.then(200).then(401).then(200);
  f.client.raw_get("/version");
  CHECK(f.script.header(0, "Authorization") == "Bearer exec-1");
  f.client.raw_get("/version");
  CHECK(f.script.header(1, "Authorization") == "Bearer exec-1");
  CHECK(f.script.header(2, "Authorization") == "Bearer exec-2");

  f.script.then(401).then(401);
  const auto e = thrown([&] { f.client.raw_get("/version"); });
  CHECK(std::string(e.what()).find("the server rejected the credentials (401 Unauthorized): the credential from exec "
                                   "plugin") == 0);
}

TEST_CASE("exec credentials with a client certificate make a client with that certificate") {
  TempDir dir;
  write_text(dir / "plugin.sh", "#!/bin/sh\nprintf '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":"
                                "\"ExecCredential\",\"status\":{\"clientCertificateData\":\"CERT\",\"clientKeyData\":\"KEY\"}}'\n");
  std::filesystem::permissions(dir / "plugin.sh", std::filesystem::perms::owner_all);
  auto rc = token_config();
  rc.auth = {};
  rc.auth.exec = ExecConfig{"client.authentication.k8s.io/v1beta1", (dir / "plugin.sh").string(), {}, {}, "", false, "Never"};
  ExecCredentialProvider::clear_memory_cache();
  Fixture f(rc);
  f.script.then(200).then(200);
  f.client.raw_get("/version");
  f.client.raw_get("/version");
  REQUIRE(f.script.clients_made.size() == 1);
  CHECK(f.script.clients_made[0].client_cert_pem == "CERT");
  CHECK(f.script.clients_made[0].client_key_pem == "KEY");
  CHECK(f.script.header(0, "Authorization").empty());
}

TEST_CASE("-v logs method, URL, status and duration, never the token") {
  Fixture f;
  f.script.then(500).then(200);
  std::string logged;
  {
    StderrCapture capture;
    log::set_verbosity(2);
    f.client.raw_get("/version");
    log::set_verbosity(0);
    logged = capture.text();
  }
  CHECK(logged.find("graflowctl: GET https://k.example:6443/version 500 in ") != std::string::npos);
  CHECK(logged.find("graflowctl: retrying in 200 ms (attempt 2 of 3)") != std::string::npos);
  CHECK(logged.find("graflowctl: GET https://k.example:6443/version 200 in ") != std::string::npos);
  CHECK(logged.find("s3cret") == std::string::npos);
}

TEST_CASE("resource paths and kinds") {
  CHECK(resource_path("apps/v1", "deployments", "workers", "worker", "scale") ==
        "/apis/apps/v1/namespaces/workers/deployments/worker/scale");
  CHECK(resource_path("autoscaling/v2", "horizontalpodautoscalers", "w", "hpa") ==
        "/apis/autoscaling/v2/namespaces/w/horizontalpodautoscalers/hpa");
  CHECK(resource_path("v1", "services", "w", "exporter") == "/api/v1/namespaces/w/services/exporter");
  CHECK(resource_path("monitoring.coreos.com/v1", "servicemonitors", "w") ==
        "/apis/monitoring.coreos.com/v1/namespaces/w/servicemonitors");
  CHECK(resource_path("apiregistration.k8s.io/v1", "apiservices", "", "v1beta1.external.metrics.k8s.io") ==
        "/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.external.metrics.k8s.io");
  CHECK(resource_path("v1", "services", "w", "a b/c") == "/api/v1/namespaces/w/services/a%20b%2Fc");

  CHECK(kind_info("Deployment")->plural == "deployments");
  CHECK(kind_info("HorizontalPodAutoscaler")->plural == "horizontalpodautoscalers");
  CHECK(kind_info("Service")->plural == "services");
  CHECK(kind_info("ServiceMonitor")->plural == "servicemonitors");
  CHECK_FALSE(kind_info("APIService")->namespaced);
  CHECK_FALSE(kind_info("CronJob").has_value());

  CHECK(object_path({{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"metadata", {{"name", "w"}}}}, "dflt") ==
        "/apis/apps/v1/namespaces/dflt/deployments/w");
  CHECK(object_path({{"apiVersion", "v1"}, {"kind", "Service"}, {"metadata", {{"name", "s"}, {"namespace", "x"}}}}, "dflt") ==
        "/api/v1/namespaces/x/services/s");
  CHECK(object_path({{"apiVersion", "apiregistration.k8s.io/v1"}, {"kind", "APIService"}, {"metadata", {{"name", "a"}, {"namespace", "x"}}}}, "d") ==
        "/apis/apiregistration.k8s.io/v1/apiservices/a");
  CHECK_THROWS_AS(object_path({{"kind", "Deployment"}}, "d"), Error);
  CHECK(resource_name("autoscaling/v2", "horizontalpodautoscalers") == "horizontalpodautoscalers.autoscaling");
  CHECK(resource_name("v1", "services") == "services");
}
