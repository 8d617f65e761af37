// kube::Client against the fake API server over real HTTPS (libcurl, the fake's own CA):
// kubeconfig users (token, client certificate, exec plugin), merged KUBECONFIG files,
// Status errors, server-side apply, preconditions, the scale subresource, dry runs,
// retries after injected faults, and --request-timeout.
#include "graflow/core/error.hpp"
#include "graflow/kube/client.hpp"
#include "graflow/net/impl/impl.hpp"
#include "harness.hpp"
#include "apiserver/fake_apiserver.hpp"

#include <doctest/doctest.h>

using namespace graflow;
using namespace graflow::kube;
using graflow::testing::FakeApiServer;
using graflow::testing::read_text;
using graflow::testing::TempDir;
using graflow::testing::write_text;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

FakeApiServer& server() {
  static FakeApiServer instance;
  return instance;
}

// No faults and an empty request log; each test works in a namespace of its own.
void reset() {
  server().clear_faults();
  server().clear_requests();
}

LoadOptions kubeconfig(const std::string& context, const std::string& ns, const std::string& path = "") {
  LoadOptions o;
  o.kubeconfig = path.empty() ? server().kubeconfig_path().string() : path;
  o.context = context;
  o.namespace_ = ns;
  return o;
}

ClientOptions fast_retries() {
  ClientOptions o;
  o.retry.initial_delay = milliseconds(10);
  o.request_timeout = milliseconds(10'000);
  o.exec_cache_dir.clear();
  return o;
}

std::unique_ptr<Client> client_for(const LoadOptions& load, ClientOptions options = fast_retries()) {
  return std::make_unique<Client>(load_rest_config(load), &net::make_curl_client, std::move(options));
}

std::string deployment_yaml(const std::string& ns, const std::string& name, const std::string& image) {
  return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name + "\n  namespace: " + ns + "\n  labels:\n    app: " +
         name + "\nspec:\n  selector:\n    matchLabels:\n      app: " + name +
         "\n  template:\n    metadata:\n      labels:\n        app: " + name +
         "\n    spec:\n      containers:\n      - name: worker\n        image: " + image + "\n";
}

std::string deployments(const std::string& ns) { return resource_path("apps/v1", "deployments", ns); }

template <typename E = ApiError, typename F> std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  FAIL("expected an exception");
  return "";
}

// The API requests the fake saw (method, path, status, user).
json api_requests() { return server().requests(); }

} // namespace

TEST_CASE("token user over HTTPS with the fake's CA") {
  reset();
  const std::string ns = "t1";
  auto c = client_for(kubeconfig("fake", ns));
  CHECK(c->namespace_() == ns);
  CHECK_FALSE(c->get(deployments(ns) + "/worker").has_value());
  c->apply(deployments(ns) + "/worker", deployment_yaml(ns, "worker", "img:1"));
  const auto got = c->get(deployments(ns) + "/worker");
  REQUIRE(got.has_value());
  CHECK((*got)["spec"]["template"]["spec"]["containers"][0]["image"] == "img:1");
  const json log = api_requests();
  REQUIRE(log.size() == 3); // GET 404, PATCH (no GET before it), GET
  for (const auto& r : log) {
    CHECK(r["user"] == "test-user");
  }
}

TEST_CASE("client-certificate user") {
  reset();
  const std::string ns = "t2";
  auto c = client_for(kubeconfig("fake-cert", ns));
  CHECK_FALSE(c->get(deployments(ns) + "/worker").has_value());
  CHECK(api_requests()[0]["user"] == "cert-user");
}

TEST_CASE("exec plugin user: the plugin's token authenticates") {
  reset();
  const std::string ns = "t3";
  TempDir dir;
  write_text(dir / "bin/token-plugin", R"(#!/bin/sh
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}' "$FAKE_TOKEN"
)");
  std::filesystem::permissions(dir / "bin/token-plugin", std::filesystem::perms::owner_all);
  write_text(dir / "config", "apiVersion: v1\nkind: Config\ncurrent-context: exec\nclusters:\n- name: fake\n  cluster:\n"
                             "    server: " + server().url() + "\n    certificate-authority: " + server().ca_path().string() +
                             "\nusers:\n- name: plugin\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
                             "      command: ./bin/token-plugin\n      interactiveMode: Never\n      env:\n"
                             "      - name: FAKE_TOKEN\n        value: " + server().token() +
                             "\ncontexts:\n- name: exec\n  context: {cluster: fake, user: plugin, namespace: workers}\n");
  ExecCredentialProvider::clear_memory_cache();
  auto c = client_for(kubeconfig("", ns, (dir / "config").string()));
  CHECK_FALSE(c->get(deployments(ns) + "/worker").has_value());
  CHECK(api_requests()[0]["user"] == "test-user");
}

TEST_CASE("an unknown token: the clear 401 message") {
  reset();
  const std::string ns = "t4";
  TempDir dir;
  std::string text = read_text(server().kubeconfig_path());
  text.replace(text.find(server().token()), server().token().size(), "expired-token");
  write_text(dir / "config", text);
  auto c = client_for(kubeconfig("fake", ns, (dir / "config").string()));
  const auto e = error_of([&] { c->get(deployments(ns) + "/worker"); });
  CHECK(e == "the server rejected the credentials (401 Unauthorized): the token may have expired or been revoked; get a "
             "new one and update user \"token-user\" in " + (dir / "config").string());
  CHECK(e.find("expired-token") == std::string::npos);
}

TEST_CASE("a wrong CA: a TLS error naming the host and the kubeconfig entry") {
  reset();
  const std::string ns = "t5";
  TempDir dir;
  std::string text = read_text(server().kubeconfig_path());
  const std::string ca = server().ca_path().string();
  text.replace(text.find(ca), ca.size(), server().wrong_ca_path().string());
  write_text(dir / "config", text);
  auto c = client_for(kubeconfig("fake", ns, (dir / "config").string()));
  const auto e = error_of<net::TransportError>([&] { c->get(deployments(ns) + "/worker"); });
  const std::string host = "127.0.0.1:" + std::to_string(server().port());
  CHECK(e.find("cannot connect to the Kubernetes API server of context \"fake\" (" + server().url() +
               "): the TLS certificate of " + host + " is not trusted: ") == 0);
  CHECK(e.find("; check certificate-authority of cluster \"fake\" in " + (dir / "config").string()) != std::string::npos);
  CHECK(api_requests().empty());
}

TEST_CASE("KUBECONFIG with two files: first definition and current-context win") {
  reset();
  const std::string ns = "t6";
  TempDir dir;
  // The second file is the fake's, with a broken token and another current-context; the
  // first only overrides the user and picks the context.
  std::string text = read_text(server().kubeconfig_path());
  text.replace(text.find(server().token()), server().token().size(), "broken");
  text.replace(text.find("current-context: fake"), std::string("current-context: fake").size(),
               "current-context: fake-cert");
  write_text(dir / "b.yaml", text);
  write_text(dir / "a.yaml", "apiVersion: v1\nkind: Config\ncurrent-context: fake\nusers:\n- name: token-user\n  user:\n"
                             "    token: " + server().token() + "\n");
  LoadOptions load;
  load.getenv = [&](const std::string& name) -> std::optional<std::string> {
    if (name == "KUBECONFIG") {
      return (dir / "a.yaml").string() + ":" + (dir / "b.yaml").string();
    }
    return std::nullopt;
  };
  auto c = client_for(load);
  CHECK(c->config().context == "fake");
  CHECK(c->namespace_() == "default");
  CHECK_FALSE(c->get(deployments(ns) + "/worker").has_value());
  CHECK(api_requests()[0]["user"] == "test-user");
}

TEST_CASE("404, 409 and 422 are printed like kubectl") {
  reset();
  const std::string ns = "t7";
  auto c = client_for(kubeconfig("fake", ns));
  CHECK(error_of([&] { c->raw_get("/apis/autoscaling/v2/namespaces/workers/horizontalpodautoscalers/x"); }) ==
        "Error from server (NotFound): horizontalpodautoscalers.autoscaling \"x\" not found");

  const json d = {{"apiVersion", "apps/v1"}, {"kind", "Deployment"},
                  {"metadata", {{"name", "dup"}, {"namespace", ns}}},
                  {"spec", {{"selector", {{"matchLabels", {{"app", "dup"}}}}},
                            {"template", {{"metadata", {{"labels", {{"app", "dup"}}}}},
                                          {"spec", {{"containers", {{{"name", "w"}, {"image", "i"}}}}}}}}}}};
  c->create(deployments(ns), d);
  const auto conflict = error_of([&] { c->create(deployments(ns), d); });
  CHECK(conflict == "Error from server (AlreadyExists): deployments.apps \"dup\" already exists");

  json bad = d;
  bad["metadata"]["name"] = "bad";
  bad["spec"]["replicas"] = -1;
  try {
    c->create(deployments(ns), bad);
    FAIL("no error");
  } catch (const ApiError& e) {
    CHECK(e.status() == 422);
    CHECK(e.reason() == "Invalid");
    CHECK(std::string(e.what()).find("Error from server (Invalid): Deployment.apps \"bad\" is invalid: spec.replicas: "
                                     "Invalid value: -1: must be greater than or equal to 0") == 0);
  }
}

TEST_CASE("server-side apply: created, unchanged, configured; dryRun=All changes nothing") {
  reset();
  const std::string ns = "t8";
  auto c = client_for(kubeconfig("fake", ns));
  const std::string path = deployments(ns) + "/worker";

  auto dry = c->apply(path, deployment_yaml(ns, "worker", "img:1"), "graflowctl", false, true);
  CHECK(dry.outcome == ApplyOutcome::created);
  CHECK(dry.object["metadata"]["name"] == "worker");
  CHECK_FALSE(c->get(path).has_value());

  CHECK(c->apply(path, deployment_yaml(ns, "worker", "img:1")).outcome == ApplyOutcome::created);
  const std::string rv = c->get(path).value()["metadata"]["resourceVersion"];
  // The outcome comes from the managedFields time (whole seconds): a no-op apply within two
  // seconds of the change reads "configured", so let the server's clock move on first.
  graflow::testing::wait_for_stamps_to_age();
  CHECK(c->apply(path, deployment_yaml(ns, "worker", "img:1")).outcome == ApplyOutcome::unchanged);
  CHECK(c->get(path).value()["metadata"]["resourceVersion"] == rv);

  CHECK(c->apply(path, deployment_yaml(ns, "worker", "img:2"), "graflowctl", false, true).outcome == ApplyOutcome::configured);
  CHECK(c->get(path).value()["spec"]["template"]["spec"]["containers"][0]["image"] == "img:1");

  const auto applied = c->apply(path, deployment_yaml(ns, "worker", "img:2"));
  CHECK(applied.outcome == ApplyOutcome::configured);
  CHECK(c->get(path).value()["spec"]["template"]["spec"]["containers"][0]["image"] == "img:2");

  json requests = api_requests();
  bool saw_apply = false;
  for (const auto& r : requests) {
    if (r["method"] == "PATCH") {
      saw_apply = true;
      CHECK(r["contentType"] == "application/apply-patch+yaml");
      CHECK(r["query"].get<std::string>().find("fieldManager=graflowctl") == 0);
    }
  }
  CHECK(saw_apply);
}

TEST_CASE("delete with preconditions: stale ones give 409 Conflict, then it deletes") {
  reset();
  const std::string ns = "t9";
  auto c = client_for(kubeconfig("fake", ns));
  const std::string path = deployments(ns) + "/worker";
  c->apply(path, deployment_yaml(ns, "worker", "img:1"));
  const json live = c->get(path).value();
  const std::string uid = live["metadata"]["uid"];
  const std::string rv = live["metadata"]["resourceVersion"];
  c->patch_merge(path, {{"metadata", {{"annotations", {{"graflow.io/touched", "yes"}}}}}});

  try {
    c->remove(path, {uid, rv});
    FAIL("no error");
  } catch (const ApiError& e) {
    CHECK(e.status() == 409);
    CHECK(e.reason() == "Conflict");
    CHECK(std::string(e.what()).find("Error from server (Conflict): ") == 0);
  }
  CHECK(c->get(path).has_value());
  CHECK_THROWS_AS(c->remove(path, {"wrong-uid", ""}, true), ApiError); // a dry run checks them too
  const std::string rv2 = c->get(path).value()["metadata"]["resourceVersion"];
  CHECK(c->remove(path, {uid, rv2}, true)); // dry run
  CHECK(c->get(path).has_value());
  CHECK(c->remove(path, {uid, rv2}));
  CHECK_FALSE(c->get(path).has_value());
  CHECK_FALSE(c->remove(path, {uid, rv2}));
}

TEST_CASE("scale subresource") {
  reset();
  const std::string ns = "t10";
  auto c = client_for(kubeconfig("fake", ns));
  CHECK_FALSE(c->get_scale(ns, "worker").has_value());
  c->apply(deployments(ns) + "/worker", deployment_yaml(ns, "worker", "img:1"));
  const Scale before = c->get_scale(ns, "worker").value();
  CHECK(before.replicas == 1);
  CHECK(c->set_scale(ns, "worker", 7, true).replicas == 7); // dry run
  CHECK(c->get_scale(ns, "worker").value().replicas == 1);
  CHECK(c->set_scale(ns, "worker", 7).replicas == 7);
  CHECK(c->get_scale(ns, "worker").value().replicas == 7);
  CHECK(c->get(deployments(ns) + "/worker").value()["spec"]["replicas"] == 7);
}

TEST_CASE("GET survives an injected 500 and a dropped connection") {
  reset();
  const std::string ns = "t11";
  auto c = client_for(kubeconfig("fake", ns));
  server().add_fault({{"method", "GET"}, {"path", "deployments/worker$"}, {"status", 500}, {"count", 1}});
  server().add_fault({{"method", "GET"}, {"path", "deployments/worker$"}, {"action", "drop"}, {"count", 1}});
  CHECK_FALSE(c->get(deployments(ns) + "/worker").has_value());
  const json log = api_requests();
  REQUIRE(log.size() == 3);
  CHECK(log[0]["status"] == 500);
  CHECK(log[1]["status"] == 0);
  CHECK(log[2]["status"] == 404);
}

TEST_CASE("429 and 503 honour Retry-After; POST is not retried") {
  reset();
  const std::string ns = "t12";
  std::vector<milliseconds> sleeps;
  ClientOptions options = fast_retries();
  options.sleep = [&](milliseconds d) { sleeps.push_back(d); };
  auto c = client_for(kubeconfig("fake", ns), options);
  server().add_fault({{"method", "GET"}, {"status", 429}, {"count", 1}});
  CHECK_FALSE(c->get(deployments(ns) + "/worker").has_value());
  CHECK(sleeps == std::vector<milliseconds>{milliseconds(1000)});

  server().clear_requests();
  server().add_fault({{"method", "POST"}, {"status", 503}, {"count", 1}});
  CHECK(error_of([&] { c->create(deployments(ns), json::object()); }) ==
        "Error from server (ServiceUnavailable): the server is currently unable to handle the request");
  CHECK(api_requests().size() == 1);
}

TEST_CASE("a hanging request honours --request-timeout and is not retried") {
  reset();
  const std::string ns = "t13";
  ClientOptions options = fast_retries();
  options.request_timeout = milliseconds(300);
  auto c = client_for(kubeconfig("fake", ns), options);
  server().add_fault({{"method", "GET"}, {"action", "hang"}, {"seconds", 5}, {"count", 1}});
  const auto started = std::chrono::steady_clock::now();
  const auto e = error_of<net::TransportError>([&] { c->get(deployments(ns) + "/worker"); });
  const auto took = std::chrono::steady_clock::now() - started;
  CHECK(e.find("Kubernetes API request GET " + deployments(ns) + "/worker timed out after 300ms (--request-timeout): ") == 0);
  CHECK(took < std::chrono::seconds(3));
  server().clear_faults();
}

TEST_CASE("tls-server-name: the certificate is checked against that name, not the server's host") {
  reset();
  const std::string ns = "t-sni";
  TempDir dir;
  std::string text = read_text(server().kubeconfig_path());
  const std::string ca_line = "    certificate-authority: " + server().ca_path().string() + "\n";
  SUBCASE("a name in the certificate") {
    text.replace(text.find(ca_line), ca_line.size(), ca_line + "    tls-server-name: localhost\n");
    write_text(dir / "config", text);
    auto c = client_for(kubeconfig("fake", ns, (dir / "config").string()));
    CHECK_FALSE(c->get(deployments(ns) + "/worker").has_value());
  }
  SUBCASE("a name not in the certificate") {
    text.replace(text.find(ca_line), ca_line.size(), ca_line + "    tls-server-name: kubernetes.invalid\n");
    write_text(dir / "config", text);
    auto c = client_for(kubeconfig("fake", ns, (dir / "config").string()));
    const auto e = error_of<net::TransportError>([&] { c->get(deployments(ns) + "/worker"); });
    CHECK(e.find("kubernetes.invalid") != std::string::npos);
    CHECK(e.find("127.0.0.1:" + std::to_string(server().port())) != std::string::npos);
  }
}

TEST_CASE("in-cluster config: service account token and CA") {
  reset();
  TempDir dir;
  write_text(dir / "sa/token", server().token() + "\n");
  write_text(dir / "sa/ca.crt", read_text(server().ca_path()));
  write_text(dir / "sa/namespace", "t-pod\n");
  LoadOptions load;
  load.serviceaccount_dir = dir / "sa";
  const std::string port = std::to_string(server().port());
  load.getenv = [&](const std::string& name) -> std::optional<std::string> {
    if (name == "KUBERNETES_SERVICE_HOST") {
      return "127.0.0.1";
    }
    if (name == "KUBERNETES_SERVICE_PORT") {
      return port;
    }
    if (name == "HOME") {
      return dir.path().string();
    }
    return std::nullopt;
  };
  auto c = client_for(load);
  CHECK(c->namespace_() == "t-pod");
  CHECK_FALSE(c->get(deployments("t-pod") + "/worker").has_value());
  CHECK(api_requests()[0]["user"] == "test-user");
}
