// scale --emergency never leaves the HPA detached without saying so, and never detaches it
// for nothing (DESIGN.md §4, §10): in-process on the fake Kubernetes transport, with the
// faults injected where they hurt most.
#include "cmd_harness.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

using graflow::testing::CliRun;
using graflow::testing::CmdEnv;
using graflow::testing::Fault;
using nlohmann::json;

namespace {

const std::string k_dep = "/apis/apps/v1/namespaces/work/deployments/graflow-worker";
const std::string k_scale = k_dep + "/scale";
const std::string k_hpas = "/apis/autoscaling/v2/namespaces/work/horizontalpodautoscalers";
const std::string k_hpa = k_hpas + "/graflow-worker-hpa";

std::size_t count_requests(const CmdEnv& c, const std::string& method) {
  std::size_t n = 0;
  for (const auto& r : c.kube.requests()) {
    n += r.method == method ? 1 : 0;
  }
  return n;
}

bool has_annotation(CmdEnv& c) {
  return c.kube.get(k_dep).value_or(json::object())["metadata"].value("annotations", json::object()).contains(
      "graflow.io/detached-hpa");
}

// The one stderr line a detached exit must end with, with the command that restores it.
std::string still_detached(const std::string& extra = "") {
  return (fmt::format("horizontalpodautoscaler.autoscaling/graflow-worker-hpa is still detached: restore it "
                             "with: graflowctl --kubeconfig $TMP/kubeconfig -n work scale --reattach -p prod{}\n",
                             extra));
}

// Deploys, then clears the request log.
void deployed(CmdEnv& c) {
  REQUIRE(c.run({"-n", "work", "deploy", "-p", "prod"}).code == 0);
  c.kube.clear_requests();
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

} // namespace

TEST_CASE("--emergency must fit the API's int32: usage errors with the limit, and no request is sent") {
  for (const std::string n : {"2147483648", "99999999999999999999", "-1", "3.5", "1e3", "", "0x10", " 5"}) {
    CAPTURE(n);
    CmdEnv c;
    deployed(c);
    const auto r = c.run({"-n", "work", "scale", "--emergency", n, "-p", "prod"});
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == fmt::format("graflowctl: error: --emergency must be a whole number from 0 to 2147483647 (the "
                               "API's limit), got \"{}\"\n",
                               n));
    CHECK(c.kube.requests().empty());
    CHECK(c.kube.get(k_hpa).has_value());
  }
  CmdEnv c;
  deployed(c);
  const auto max = c.run({"-n", "work", "scale", "--emergency", "2147483647", "-p", "prod"});
  CHECK_MESSAGE(max.code == 0, max.err);
  CHECK(c.kube.get(k_scale).value()["spec"]["replicas"] == 2147483647);
}

TEST_CASE("--hold and --timeout of zero are usage errors before any request") {
  CmdEnv c;
  deployed(c);
  const auto hold = c.run({"-n", "work", "scale", "--emergency", "5", "--hold", "0s", "-p", "prod"});
  CHECK(hold.code == 2);
  CHECK(hold.err == "graflowctl: error: --hold must be greater than zero\n");
  const auto timeout = c.run({"-n", "work", "scale", "--emergency", "5", "--wait", "--timeout", "0s", "-p", "prod"});
  CHECK(timeout.code == 2);
  CHECK(timeout.err == "graflowctl: error: --timeout must be greater than zero\n");
  CHECK(count_requests(c, "DELETE") == 0);
  CHECK(c.kube.get(k_hpa).has_value());
}

TEST_CASE("success without --hold ends with the exact restore command") {
  CmdEnv c;
  deployed(c);
  const auto r = c.run({"-n", "work", "scale", "--emergency", "5", "-p", "prod", "--set", "minReplicas=3"});
  REQUIRE(r.code == 0);
  CHECK(ends_with(c.scrub(r.out), ("horizontalpodautoscaler.autoscaling/graflow-worker-hpa stays detached until: "
                                 "graflowctl --kubeconfig $TMP/kubeconfig -n work scale --reattach -p prod --set "
                                 "minReplicas=3\n")));
  // That command does restore it.
  CHECK(c.run({"-n", "work", "scale", "--reattach", "-p", "prod", "--set", "minReplicas=3"}).code == 0);
  CHECK(c.kube.get(k_hpa).has_value());
}

TEST_CASE("the scale PATCH fails after the DELETE: one line says the HPA is still detached, exit 1") {
  CmdEnv c;
  deployed(c);
  c.kube.fail("PATCH", k_scale, 422);
  const auto r = c.run({"-n", "work", "scale", "--emergency", "5", "-p", "prod"});
  CHECK(r.code == 1);
  CHECK(r.err.rfind("graflowctl: error: ", 0) == 0);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(ends_with(c.scrub(r.err), "; " + still_detached()));
  CHECK_FALSE(c.kube.get(k_hpa).has_value());
  // The named command restores it.
  c.kube.clear_faults();
  CHECK(c.run({"-n", "work", "scale", "--reattach", "-p", "prod"}).code == 0);
  CHECK(c.kube.get(k_hpa).has_value());
}

TEST_CASE("the DELETE's answer is lost: the line says the HPA may be detached") {
  CmdEnv c;
  deployed(c);
  c.kube.fail("DELETE", k_hpa, Fault::timeout);
  const auto r = c.run({"-n", "work", "scale", "--emergency", "5", "-p", "prod"});
  CHECK(r.code == 1);
  CHECK(ends_with(c.scrub(r.err), ("; horizontalpodautoscaler.autoscaling/graflow-worker-hpa may be detached: restore "
                                 "it with: graflowctl --kubeconfig $TMP/kubeconfig -n work scale --reattach -p "
                                 "prod\n")));
}

TEST_CASE("the DELETE is refused: nothing was detached, and the snapshot annotation is cleared again") {
  CmdEnv c;
  deployed(c);
  c.kube.fail("DELETE", k_hpa, 403);
  const auto r = c.run({"-n", "work", "scale", "--emergency", "5", "-p", "prod"});
  CHECK(r.code == 1);
  CHECK(ends_with(r.err, "; nothing was detached\n"));
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(c.kube.get(k_hpa).has_value());
  CHECK_FALSE(has_annotation(c));
  CHECK(count_requests(c, "PATCH") == 2); // the annotation set, then cleared; no scale
}

TEST_CASE("--hold: the reattach POST fails; the line says still detached, exit 1") {
  CmdEnv c;
  deployed(c);
  c.kube.fail("POST", k_hpas, 500, 10);
  const auto r = c.run({"-n", "work", "scale", "--emergency", "5", "--hold", "10ms", "-p", "prod"});
  CHECK(r.code == 1);
  CHECK(r.out.find("holding for 10ms") != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(ends_with(c.scrub(r.err), "; " + still_detached()));
  CHECK_FALSE(c.kube.get(k_hpa).has_value());
}

TEST_CASE("--hold: the scale PATCH fails after the DELETE; the HPA is reattached at once, and the line says so") {
  CmdEnv c;
  deployed(c);
  c.kube.fail("PATCH", k_scale, 500, 10);
  const auto r = c.run({"-n", "work", "scale", "--emergency", "5", "--hold", "10m", "-p", "prod"});
  CHECK(r.code == 1);
  CHECK(r.out.find("holding") == std::string::npos);
  CHECK(ends_with(r.err, "; horizontalpodautoscaler.autoscaling/graflow-worker-hpa was reattached\n"));
  CHECK(c.kube.get(k_hpa).has_value());
  CHECK_FALSE(has_annotation(c));
}

TEST_CASE("scale --reattach that fails before the HPA is back says it is still detached") {
  CmdEnv c;
  deployed(c);
  REQUIRE(c.run({"-n", "work", "scale", "--emergency", "5", "-p", "prod", "--backup-dir", (c.dir.path() / "b").string()}).code ==
          0);
  c.kube.fail("POST", k_hpas, 500, 10);
  const auto r = c.run({"-n", "work", "scale", "--reattach", "-p", "prod", "--backup-dir", (c.dir.path() / "b").string()});
  CHECK(r.code == 1);
  CHECK(ends_with(c.scrub(r.err), "; " + still_detached(" --backup-dir $TMP/b")));
  // Once the HPA is back, a failure clearing the annotation is just that failure.
  c.kube.clear_faults();
  c.kube.fail("PATCH", k_dep, 500, 10);
  const auto half = c.run({"-n", "work", "scale", "--reattach", "-p", "prod", "--backup-dir", (c.dir.path() / "b").string()});
  CHECK(half.code == 1);
  CHECK(half.err.find("still detached") == std::string::npos);
  CHECK(c.kube.get(k_hpa).has_value());
}
