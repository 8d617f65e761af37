// deploy, scale, status, doctor and adapter run in-process (cli::run, as the binary) on
// Services built from fakes: the fake API server's router behind a scriptable transport, a
// fixed clock, a recording process runner. Output is compared with golden files
// (GRAFLOW_UPDATE_GOLDEN=1 rewrites them).
#include "cmd_harness.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <fmt/format.h>

using graflow::testing::CmdEnv;
using graflow::testing::check_golden;
using graflow::testing::CliRun;
using graflow::testing::Fault;
using nlohmann::json;

namespace {

const std::string k_dep = "/apis/apps/v1/namespaces/work/deployments/graflow-worker";
const std::string k_scale = k_dep + "/scale";
const std::string k_hpas = "/apis/autoscaling/v2/namespaces/work/horizontalpodautoscalers";
const std::string k_hpa = k_hpas + "/graflow-worker-hpa";

// stdout, stderr and the exit code in one golden text.
std::string transcript(const CliRun& r) {
  return fmt::format("exit {}\n--- stdout\n{}--- stderr\n{}", r.code, r.out, r.err);
}

std::string requests_of(const CmdEnv& c) {
  std::string s;
  for (const auto& r : c.kube.requests()) {
    s += fmt::format("{} {}{}{} -> {}\n", r.method, r.path, r.query.empty() ? "" : "?", r.query, r.status);
  }
  return s;
}

json hpa_spec(CmdEnv& c) { return c.kube.get(k_hpa).value_or(json::object()).value("spec", json()); }
json annotations(CmdEnv& c) {
  return c.kube.get(k_dep).value_or(json::object())["metadata"].value("annotations", json::object());
}

} // namespace

TEST_CASE("deploy: one PATCH per object and no GET before it; created, unchanged, configured") {
  CmdEnv c;
  const auto first = c.run({"-n", "work", "deploy", "-p", "prod"});
  check_golden(GOLDEN_DIR, "deploy-create.txt", transcript(first) + "--- requests\n" + requests_of(c));
  REQUIRE(first.code == 0);

  c.clock.advance(std::chrono::seconds(5));
  c.kube.clear_requests();
  const auto again = c.run({"-n", "work", "deploy", "-p", "prod"});
  check_golden(GOLDEN_DIR, "deploy-unchanged.txt", transcript(again) + "--- requests\n" + requests_of(c));

  c.clock.advance(std::chrono::seconds(5));
  const auto changed = c.run({"-n", "work", "deploy", "-p", "prod", "--set", "maxReplicas=30"});
  check_golden(GOLDEN_DIR, "deploy-configured.txt", transcript(changed));
  CHECK(hpa_spec(c)["maxReplicas"] == 30);
}

TEST_CASE("deploy: a server clock an hour off does not change the outcome (the Date header is the reference)") {
  CmdEnv c;
  c.server_skew = std::chrono::hours(-1);
  REQUIRE(c.run({"-n", "work", "deploy", "-p", "prod"}).code == 0);
  c.clock.advance(std::chrono::seconds(3));
  const auto again = c.run({"-n", "work", "deploy", "-p", "prod"});
  CHECK(again.out.find("configured") == std::string::npos);
  CHECK(again.out.find("deployment.apps/graflow-worker unchanged\n") != std::string::npos);
  c.clock.advance(std::chrono::seconds(3));
  const auto changed = c.run({"-n", "work", "deploy", "-p", "prod", "--set", "minReplicas=3"});
  CHECK(changed.out.find("horizontalpodautoscaler.autoscaling/graflow-worker-hpa configured\n") != std::string::npos);
}

TEST_CASE("deploy --dry-run persists nothing; errors from the server read like kubectl's") {
  CmdEnv c;
  const auto dry = c.run({"-n", "work", "deploy", "-p", "dev", "--dry-run"});
  check_golden(GOLDEN_DIR, "deploy-dry-run.txt", transcript(dry));
  CHECK_FALSE(c.kube.get(k_dep).has_value());

  c.kube.fail("PATCH", k_hpa, 409);
  const auto conflict = c.run({"-n", "work", "deploy", "-p", "prod"});
  check_golden(GOLDEN_DIR, "deploy-conflict.txt", transcript(conflict));
  CHECK(conflict.code == 1);
}

TEST_CASE("scale --emergency, status while detached, deploy skips the HPA, --reattach restores it") {
  CmdEnv c;
  REQUIRE(c.run({"-n", "work", "deploy", "-p", "prod"}).code == 0);
  const json original = hpa_spec(c);
  c.kube.clear_requests();
  const auto s = c.run({"-n", "work", "scale", "--emergency", "30", "-p", "prod"});
  check_golden(GOLDEN_DIR, "scale-emergency.txt", transcript(s) + "--- requests\n" + requests_of(c));
  REQUIRE(s.code == 0);

  c.clock.advance(std::chrono::minutes(5));
  check_golden(GOLDEN_DIR, "status-detached.txt", transcript(c.run({"-n", "work", "status", "-p", "prod"})));
  check_golden(GOLDEN_DIR, "deploy-detached.txt", transcript(c.run({"-n", "work", "deploy", "-p", "prod"})));

  c.kube.clear_requests();
  const auto r = c.run({"-n", "work", "scale", "--reattach", "-p", "prod"});
  check_golden(GOLDEN_DIR, "scale-reattach.txt", transcript(r) + "--- requests\n" + requests_of(c));
  CHECK(hpa_spec(c) == original);
  CHECK_FALSE(annotations(c).contains("graflow.io/detached-hpa"));
  check_golden(GOLDEN_DIR, "scale-reattach-again.txt",
               transcript(c.run({"-n", "work", "scale", "--reattach", "-p", "prod"})));
}

TEST_CASE("scale: usage and missing objects") {
  CmdEnv c;
  check_golden(GOLDEN_DIR, "scale-errors.txt",
               transcript(c.run({"-n", "work", "scale", "-p", "prod"})) +
                   transcript(c.run({"-n", "work", "scale", "--reattach", "--wait", "-p", "prod"})) +
                   transcript(c.run({"-n", "work", "scale", "--emergency", "3", "-p", "prod"})) +
                   transcript(c.run({"-n", "work", "scale", "--reattach", "-p", "prod"})));
}

// Every request of detach, scale and reattach, failed each way in turn. After any failure,
// `scale --reattach` (re-run until it succeeds, at most twice) restores an identical HPA and
// clears the annotation. The golden file holds the outcome of each case for review.
TEST_CASE("a fault at every request of the emergency scale and of the reattach loses nothing") {
  struct Kind {
    const char* name;
    Fault fault;
    int status;
  };
  const std::vector<Kind> kinds = {{"409", Fault::status, 409},
                                   {"500", Fault::status, 500},
                                   {"timeout", Fault::timeout, 0},
                                   {"dropped", Fault::dropped, 0}};
  std::size_t emergency_requests = 0;
  std::size_t reattach_requests = 0;
  {
    CmdEnv c;
    REQUIRE(c.run({"-n", "work", "deploy", "-p", "prod"}).code == 0);
    c.kube.clear_requests();
    REQUIRE(c.run({"-n", "work", "scale", "--emergency", "5", "-p", "prod"}).code == 0);
    emergency_requests = c.kube.requests().size();
    c.kube.clear_requests();
    REQUIRE(c.run({"-n", "work", "scale", "--reattach", "-p", "prod"}).code == 0);
    reattach_requests = c.kube.requests().size();
  }
  REQUIRE(emergency_requests >= 5);
  REQUIRE(reattach_requests >= 3);

  std::string report;
  for (const bool in_reattach : {false, true}) {
    const std::size_t count = in_reattach ? reattach_requests : emergency_requests;
    for (std::size_t i = 0; i < count; ++i) {
      for (const auto& k : kinds) {
        CmdEnv c;
        REQUIRE(c.run({"-n", "work", "deploy", "-p", "prod"}).code == 0);
        const json original = hpa_spec(c);
        if (in_reattach) {
          REQUIRE(c.run({"-n", "work", "scale", "--emergency", "5", "-p", "prod"}).code == 0);
        }
        c.kube.clear_requests();
        c.kube.fail_nth(i, k.fault, k.status);
        const auto failed = in_reattach ? c.run({"-n", "work", "scale", "--reattach", "-p", "prod"})
                                        : c.run({"-n", "work", "scale", "--emergency", "5", "-p", "prod"});
        const auto& hit = c.kube.requests().at(i);
        CAPTURE(hit.method);
        CAPTURE(hit.path);
        const std::string kind = k.name;
        CAPTURE(kind);
        CHECK((failed.code == 0 || failed.code == 1));
        if (failed.code != 0) {
          CHECK(failed.err.rfind("graflowctl: error: ", 0) == 0);
          CHECK(std::count(failed.err.begin(), failed.err.end(), '\n') == 1);
        }
        report += fmt::format("{} request {} ({} {}) {}: exit {}{}", in_reattach ? "reattach" : "emergency", i + 1,
                              hit.method, hit.path, k.name, failed.code, failed.code == 0 ? "\n" : ": " + failed.err);
        c.kube.clear_faults();
        auto r = c.run({"-n", "work", "scale", "--reattach", "-p", "prod"});
        CHECK_MESSAGE(r.code == 0, r.err);
        CHECK(hpa_spec(c) == original);
        CHECK_FALSE(annotations(c).contains("graflow.io/detached-hpa"));
        CHECK(c.kube.get(k_dep).has_value());
      }
    }
  }
  check_golden(GOLDEN_DIR, "scale-faults.txt", report);
}

TEST_CASE("status: text and json with the HPA's metric and an unreachable Redis") {
  CmdEnv c;
  REQUIRE(c.run({"-n", "work", "deploy", "-p", "prod"}).code == 0);
  json hpa = c.kube.get(k_hpa).value();
  hpa["status"] = {{"currentReplicas", 2},
                   {"desiredReplicas", 3},
                   {"currentMetrics",
                    {{{"type", "External"},
                      {"external", {{"metric", {{"name", "graflow_queue_depth"}}}, {"current", {{"averageValue", "12500m"}}}}}}}},
                   {"conditions",
                    {{{"type", "ScalingActive"}, {"status", "True"}, {"reason", "ValidMetricFound"}, {"message", "ok"}}}}};
  c.kube.put(hpa);
  check_golden(GOLDEN_DIR, "status.txt", transcript(c.run({"-n", "work", "status", "-p", "prod"})));
  check_golden(GOLDEN_DIR, "status.json", transcript(c.run({"-n", "work", "status", "-p", "prod", "-o", "json"})));
}

TEST_CASE("doctor: every check on the fake, with the hints") {
  CmdEnv c;
  REQUIRE(c.run({"-n", "work", "deploy", "-p", "prod"}).code == 0);
  check_golden(GOLDEN_DIR, "doctor.txt", transcript(c.run({"-n", "work", "doctor", "-p", "prod"})));
}

TEST_CASE("adapter install runs helm without a shell, through the process runner") {
  CmdEnv c;
  c.env.set("HELM", std::string(GRAFLOW_SOURCE_DIR) + "/tests/fakes/helm/helm");
  c.runner.results = {{1, "", "Error: no repositories to show"}};
  const auto r = c.run({"adapter", "install", "--chart-version", "4.11.0"});
  std::string calls;
  for (const auto& argv : c.runner.calls) {
    for (const auto& a : argv) {
      calls += (a.find("graflowctl-values-") != std::string::npos ? "VALUES_FILE" : a) + " ";
    }
    calls += "\n";
  }
  check_golden(GOLDEN_DIR, "adapter-install.txt", transcript(r) + "--- runs\n" + c.scrub(calls));
  CHECK(r.code == 0);

  c.runner.calls.clear();
  // repo list (none), repo add, repo update, then the upgrade fails with helm's message.
  c.runner.results = {{0, "[]", ""}, {0, "", ""}, {0, "", ""}, {1, "", "Error: INSTALLATION FAILED: cannot re-use a name"}};
  const auto failed = c.run({"adapter", "install"});
  check_golden(GOLDEN_DIR, "adapter-install-fails.txt", transcript(failed));
  CHECK(failed.code == 1);
}
