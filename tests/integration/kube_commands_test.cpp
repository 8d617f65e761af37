// deploy, scale --emergency/--reattach and status against the strict fake API server
// over HTTPS, run as the real graflowctl binary.
#include "apiserver/fake_apiserver.hpp"
#include "harness.hpp"

#include <csignal>
#include <doctest/doctest.h>
#include <filesystem>
#include <sys/stat.h>
#include <thread>

using graflow::testing::FakeApiServer;
using graflow::testing::graflowctl;
using graflow::testing::graflowctl_binary;
using graflow::testing::TempDir;
using nlohmann::json;

namespace {

const std::string k_dep = "/apis/apps/v1/namespaces/work/deployments/graflow-worker";
const std::string k_hpa = "/apis/autoscaling/v2/namespaces/work/horizontalpodautoscalers/graflow-worker-hpa";

struct Cluster {
  FakeApiServer api;
  TempDir state;
  explicit Cluster(graflow::testing::FakeApiServerOptions o = {}) : api(std::move(o)) {}

  graflow::testing::Result run(std::vector<std::string> args, std::vector<std::string> env = {}) {
    args.insert(args.begin(), {"--kubeconfig", api.kubeconfig_path().string(), "-n", "work", "--request-timeout",
                               "2s", "--redis-url", "redis://127.0.0.1:1"});
    env.push_back("XDG_STATE_HOME=" + state.path().string());
    return graflowctl(args, graflow::testing::env(env));
  }
  json hpa_spec() { return api.get_object(k_hpa).value_or(json::object()).value("spec", json()); }
  json annotations() {
    return api.get_object(k_dep).value_or(json::object())["metadata"].value("annotations", json::object());
  }
};

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

} // namespace

TEST_CASE("deploy: one server-side apply per object, no discovery, then unchanged and configured") {
  Cluster c;
  auto first = c.run({"deploy", "-p", "prod"});
  REQUIRE_MESSAGE(first.code == 0, first.err);
  CHECK(first.out == "deployment.apps/graflow-worker created\n"
                     "horizontalpodautoscaler.autoscaling/graflow-worker-hpa created\n"
                     "deployment.apps/graflow-exporter created\n"
                     "service/graflow-exporter created\n");
  const auto reqs = c.api.requests();
  int patches = 0;
  for (const auto& r : reqs) {
    CHECK_FALSE(r["path"].get<std::string>() == "/api");
    CHECK_FALSE(r["path"].get<std::string>() == "/apis");
    if (r["method"] == "PATCH") {
      ++patches;
      CHECK(r["contentType"] == "application/apply-patch+yaml");
      CHECK(contains(r["query"].get<std::string>(), "fieldManager=graflowctl"));
    }
  }
  CHECK(patches == 4);
  CHECK(c.hpa_spec()["scaleTargetRef"]["apiVersion"] == "apps/v1");
  CHECK(c.hpa_spec()["minReplicas"] == 2);
  int gets = 0;
  for (const auto& r : reqs) {
    gets += r["method"] == "GET" ? 1 : 0;
  }
  CHECK(gets == 1); // the worker Deployment's detached state only: no GET before each apply

  // Outcomes come from managedFields times (whole seconds): let them age two seconds.
  graflow::testing::wait_for_stamps_to_age();
  auto again = c.run({"deploy", "-p", "prod"});
  REQUIRE(again.code == 0);
  CHECK(again.out == "deployment.apps/graflow-worker unchanged\n"
                     "horizontalpodautoscaler.autoscaling/graflow-worker-hpa unchanged\n"
                     "deployment.apps/graflow-exporter unchanged\n"
                     "service/graflow-exporter unchanged\n");

  auto changed = c.run({"deploy", "-p", "prod", "--set", "maxReplicas=30"});
  REQUIRE(changed.code == 0);
  CHECK(contains(changed.out, "horizontalpodautoscaler.autoscaling/graflow-worker-hpa configured\n"));
  CHECK(contains(changed.out, "deployment.apps/graflow-worker unchanged\n"));
  CHECK(c.hpa_spec()["maxReplicas"] == 30);
}

TEST_CASE("without graflowctl-net.so, the commands that talk to the API server fail in one line") {
  // The HTTP module is loaded at the first request (net::api), after the objects are rendered.
  Cluster c;
  const TempDir bin;
  const auto lone = bin.path() / "graflowctl"; // no graflowctl-net.so beside it
  std::filesystem::copy_file(graflowctl_binary(), lone);
  const std::string error = "graflowctl: error: cannot load graflowctl-net.so, which graflowctl needs for HTTP "
                            "(not found); reinstall graflowctl or set GRAFLOW_NET_MODULE\n";
  // scale says what it is about to do before its first request, and then does nothing.
  const std::string scale_intent = "deployment.apps/graflow-worker: detaching "
                                   "horizontalpodautoscaler.autoscaling/graflow-worker-hpa and scaling to 5 replicas\n";
  for (const auto& [cmd, out] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"deploy", "-p", "prod"}, ""}, {{"scale", "--emergency", "5"}, scale_intent}, {{"status"}, ""}}) {
    std::vector<std::string> argv{lone.string(), "--kubeconfig", c.api.kubeconfig_path().string(), "-n", "work",
                                  "--redis-url", "redis://127.0.0.1:1"};
    argv.insert(argv.end(), cmd.begin(), cmd.end());
    const auto r = graflow::testing::run(argv, graflow::testing::env({"XDG_STATE_HOME=" + c.state.path().string(),
                                                                      "GRAFLOW_NET_MODULE=" + (bin.path() / "none.so").string()}));
    CAPTURE(cmd[0]);
    CHECK(r.code == 1);
    CHECK(r.err == error);
    CHECK(r.out == out);
  }
  CHECK(c.api.requests().empty());
}

TEST_CASE("deploy --dry-run persists nothing; --wait follows the rollout") {
  graflow::testing::FakeApiServerOptions o;
  o.ready_delay = std::chrono::milliseconds(600);
  Cluster c(o);
  auto dry = c.run({"deploy", "-p", "dev", "--dry-run"});
  REQUIRE_MESSAGE(dry.code == 0, dry.err);
  CHECK(contains(dry.out, "deployment.apps/graflow-worker created (server dry run)\n"));
  CHECK_FALSE(c.api.get_object(k_dep).has_value());

  auto wait = c.run({"deploy", "-p", "dev", "--wait", "--timeout", "20s"});
  REQUIRE_MESSAGE(wait.code == 0, wait.err);
  CHECK(contains(wait.out, "deployment.apps/graflow-worker: Waiting for rollout: 0 of 1 updated replicas are available"));
  CHECK(contains(wait.out, "deployment.apps/graflow-worker is available\n"));
  CHECK(contains(wait.out, "deployment.apps/graflow-exporter is available\n"));
}

TEST_CASE("emergency scale detaches losslessly and reattach restores the exact HPA") {
  Cluster c;
  REQUIRE(c.run({"deploy", "-p", "prod", "--set", "behavior.scaleDown.stabilizationWindowSeconds=300"}).code == 0);
  const json original = c.hpa_spec();
  REQUIRE(original.is_object());

  auto s = c.run({"scale", "--emergency", "30", "-p", "prod"});
  REQUIRE_MESSAGE(s.code == 0, s.err);
  CHECK(contains(s.out, "note: 30 replicas is above the profile's maxReplicas (20); allowed in an emergency"));
  CHECK(contains(s.out, "horizontalpodautoscaler.autoscaling/graflow-worker-hpa deleted (detached)"));
  CHECK(contains(s.out, "deployment.apps/graflow-worker scaled to 30 replicas"));
  CHECK_FALSE(c.api.get_object(k_hpa).has_value());
  CHECK(c.api.get_object(k_dep).value()["spec"]["replicas"] == 30);
  const json ann = c.annotations();
  REQUIRE(ann.contains("graflow.io/detached-hpa"));
  CHECK(json::parse(ann["graflow.io/detached-hpa"].get<std::string>())["spec"] == original);
  // The local backup is private.
  int backups = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(c.state.path())) {
    if (e.is_regular_file()) {
      ++backups;
      struct stat st {};
      stat(e.path().c_str(), &st);
      CHECK((st.st_mode & 0777) == 0600);
    }
  }
  CHECK(backups == 1);

  auto status = c.run({"status", "-p", "prod"});
  CHECK(contains(status.out, "graflow-worker-hpa DETACHED since "));

  // deploy while detached keeps the emergency: the HPA is skipped.
  auto d = c.run({"deploy", "-p", "prod", "--set", "behavior.scaleDown.stabilizationWindowSeconds=300"});
  REQUIRE(d.code == 0);
  CHECK(contains(d.out, "horizontalpodautoscaler.autoscaling/graflow-worker-hpa skipped: detached by an emergency scale"));
  CHECK_FALSE(c.api.get_object(k_hpa).has_value());

  auto r = c.run({"scale", "--reattach", "-p", "prod"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(c.hpa_spec() == original);
  CHECK_FALSE(c.annotations().contains("graflow.io/detached-hpa"));
  // Re-running is harmless.
  auto again = c.run({"scale", "--reattach", "-p", "prod"});
  CHECK(again.code == 0);
  CHECK(contains(again.out, "is attached: nothing to reattach"));
}

// Faults at every request of detach, scale and reattach: tests/cmd/kube_cmd_test.cpp, in-process.
// Here, what only the real binary over HTTPS shows: a hanging server and --request-timeout.
TEST_CASE("a hanging DELETE of the HPA times out after --request-timeout; reattach restores the HPA") {
  Cluster c;
  REQUIRE(c.run({"deploy", "-p", "prod"}).code == 0);
  const json original = c.hpa_spec();
  c.api.add_fault({{"method", "DELETE"}, {"path", "horizontalpodautoscalers/"}, {"action", "hang"}, {"seconds", 5}});
  auto s = c.run({"scale", "--emergency", "5", "-p", "prod"});
  CHECK(s.code == 1);
  CHECK(contains(s.err, "graflowctl: error: Kubernetes API request DELETE " + k_hpa + " timed out after 2s"));
  // The answer was lost: the HPA may be gone, and the line says how to restore it.
  CHECK(contains(s.err, "; horizontalpodautoscaler.autoscaling/graflow-worker-hpa may be detached: restore it with: "
                        "graflowctl --kubeconfig " +
                            c.api.kubeconfig_path().string() + " -n work scale --reattach -p prod\n"));
  c.api.clear_faults();
  auto r = c.run({"scale", "--reattach", "-p", "prod"});
  CHECK_MESSAGE(r.code == 0, r.err);
  CHECK(c.hpa_spec() == original);
}

TEST_CASE("--hold reattaches by itself, and at once on Ctrl-C") {
  Cluster c;
  REQUIRE(c.run({"deploy", "-p", "prod"}).code == 0);
  const json original = c.hpa_spec();
  auto held = c.run({"scale", "--emergency", "4", "--hold", "300ms", "-p", "prod"});
  REQUIRE_MESSAGE(held.code == 0, held.err);
  CHECK(contains(held.out, "holding for 300ms"));
  CHECK(c.hpa_spec() == original);

  std::vector<std::string> argv = {graflow::testing::graflowctl_binary(), "--kubeconfig",
                                   c.api.kubeconfig_path().string(), "-n", "work", "scale", "--emergency", "6",
                                   "--hold", "10m", "-p", "prod"};
  graflow::testing::Process p(argv, graflow::testing::env({"XDG_STATE_HOME=" + c.state.path().string()}));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!contains(p.out(), "holding for 10m")) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK_FALSE(c.api.get_object(k_hpa).has_value());
  p.signal(SIGINT);
  CHECK(p.wait(std::chrono::seconds(10)) == 130);
  CHECK(contains(p.err(), "interrupted: horizontalpodautoscaler.autoscaling/graflow-worker-hpa was reattached first"));
  CHECK(c.hpa_spec() == original);
}

TEST_CASE("SIGHUP during --hold (an SSH session dropping) reattaches exactly like Ctrl-C") {
  Cluster c;
  REQUIRE(c.run({"deploy", "-p", "prod"}).code == 0);
  const json original = c.hpa_spec();
  std::vector<std::string> argv = {graflow::testing::graflowctl_binary(), "--kubeconfig",
                                   c.api.kubeconfig_path().string(), "-n", "work", "scale", "--emergency", "6",
                                   "--hold", "10m", "-p", "prod"};
  graflow::testing::Process p(argv, graflow::testing::env({"XDG_STATE_HOME=" + c.state.path().string()}));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!contains(p.out(), "holding for 10m")) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK_FALSE(c.api.get_object(k_hpa).has_value());
  p.signal(SIGHUP);
  CHECK(p.wait(std::chrono::seconds(10)) == 130);
  CHECK(p.err() == "graflowctl: error: interrupted: horizontalpodautoscaler.autoscaling/graflow-worker-hpa was "
                   "reattached first\n");
  CHECK(c.hpa_spec() == original);
  CHECK_FALSE(c.annotations().contains("graflow.io/detached-hpa"));
}

TEST_CASE("--wait times out under --hold (out of capacity): it still holds, then reattaches, and says so") {
  graflow::testing::FakeApiServerOptions o;
  o.ready_delay = std::chrono::hours(1); // replicas never become ready
  Cluster c(o);
  REQUIRE(c.run({"deploy", "-p", "prod"}).code == 0);
  const json original = c.hpa_spec();
  auto r = c.run({"scale", "--emergency", "7", "--wait", "--timeout", "1s", "--hold", "300ms", "-p", "prod"});
  CHECK(r.code == 1);
  CHECK(contains(r.out, "warning: timed out after 1s waiting for deployment.apps/graflow-worker"));
  CHECK(contains(r.out, "holding anyway, then reattaching\nholding for 300ms"));
  CHECK(contains(r.out, "horizontalpodautoscaler.autoscaling/graflow-worker-hpa created from "));
  CHECK(contains(r.err, "graflowctl: error: timed out after 1s waiting for deployment.apps/graflow-worker"));
  CHECK(contains(r.err, "(the hold ran its course and horizontalpodautoscaler.autoscaling/graflow-worker-hpa was "
                        "reattached)\n"));
  CHECK(c.hpa_spec() == original);
  CHECK_FALSE(c.annotations().contains("graflow.io/detached-hpa"));

  // Without --hold the same timeout leaves the HPA detached, and the line says how to restore it.
  auto alone = c.run({"scale", "--emergency", "7", "--wait", "--timeout", "1s", "-p", "prod"});
  CHECK(alone.code == 1);
  CHECK(contains(alone.err, "; horizontalpodautoscaler.autoscaling/graflow-worker-hpa is still detached: restore it "
                            "with: graflowctl --kubeconfig " +
                                c.api.kubeconfig_path().string() + " -n work scale --reattach -p prod\n"));
  CHECK_FALSE(c.api.get_object(k_hpa).has_value());
}

TEST_CASE("status: deployment, HPA conditions and metric, queue error; json") {
  Cluster c;
  REQUIRE(c.run({"deploy", "-p", "prod"}).code == 0);
  json hpa = c.api.get_object(k_hpa).value();
  hpa["status"] = {{"currentReplicas", 2},
                   {"desiredReplicas", 3},
                   {"currentMetrics", {{{"type", "External"}, {"external", {{"metric", {{"name", "graflow_queue_depth"}}}, {"current", {{"averageValue", "12500m"}}}}}}}},
                   {"conditions", {{{"type", "AbleToScale"}, {"status", "True"}, {"reason", "ReadyForNewScale"}, {"message", "ok"}},
                                   {{"type", "ScalingActive"}, {"status", "True"}, {"reason", "ValidMetricFound"}, {"message", "ok"}}}}};
  c.api.put_object(hpa);
  auto s = c.run({"status", "-p", "prod"});
  CHECK(s.code == 1); // Redis is unreachable in this test
  CHECK(contains(s.out, "HPA:         graflow-worker-hpa   min 2   max 20   target 10 per worker (AverageValue)"));
  CHECK(contains(s.out, "metric 12500m   current replicas 2   desired replicas 3"));
  CHECK(contains(s.out, "ScalingActive=True ValidMetricFound: ok"));
  CHECK(contains(s.out, "Queue:       graflow:queue: cannot reach Redis at 127.0.0.1:1"));
  auto j = c.run({"status", "-p", "prod", "-o", "json"});
  const json doc = json::parse(j.out);
  CHECK(doc["hpa"]["attached"] == true);
  CHECK(doc["hpa"]["currentMetric"] == "12500m");
  CHECK(doc["deployment"]["name"] == "graflow-worker");
  CHECK(doc["queue"].contains("error"));
}

TEST_CASE("API errors read like kubectl's, and credentials are never printed") {
  Cluster c;
  auto missing = c.run({"scale", "--emergency", "3", "-p", "prod"});
  CHECK(missing.code == 1);
  CHECK(missing.err == "graflowctl: error: deployment.apps/graflow-worker not found in namespace work: nothing to scale\n");
  auto nothing = c.run({"scale", "--reattach", "-p", "prod"});
  CHECK(nothing.code == 1);
  CHECK(contains(nothing.err, "is missing and there is no snapshot of it"));
  // No snapshot anywhere: the line says what can re-create it, not a --reattach that just failed.
  CHECK(contains(nothing.err, "nothing can be reattached: graflowctl deploy re-creates it from the profile\n"));
  CHECK_FALSE(contains(nothing.err, "restore it with"));
  auto usage = c.run({"scale", "-p", "prod"});
  CHECK(usage.code == 2);
  CHECK(usage.err == "graflowctl: error: scale needs exactly one of --emergency N or --reattach\n");
  auto bad_token = c.run({"-vv", "--context", "fake", "deploy", "-p", "prod"},
                         {});
  CHECK(bad_token.code == 0);
  CHECK_FALSE(contains(bad_token.err, c.api.token()));
}
