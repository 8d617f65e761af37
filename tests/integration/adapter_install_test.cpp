// `graflowctl adapter values|install` with a recording stand-in helm on PATH.
#include "harness.hpp"

#include <cstdlib>
#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

using graflow::testing::graflowctl;
using graflow::testing::read_text;
using graflow::testing::TempDir;

namespace {

const std::string k_fake_helm_dir = std::string(GRAFLOW_SOURCE_DIR) + "/tests/fakes/helm";

graflow::testing::ProcessOptions helm_env(const TempDir& rec, std::vector<std::string> extra = {}) {
  extra.push_back("HELM_RECORD_DIR=" + rec.path().string());
  extra.push_back("PATH=" + k_fake_helm_dir + ":" + std::getenv("PATH"));
  return graflow::testing::env(extra);
}

std::vector<std::string> calls(const TempDir& rec) {
  std::vector<std::string> out;
  std::istringstream in(read_text(rec / "calls"));
  std::string line;
  while (std::getline(in, line)) {
    out.push_back(line);
  }
  return out;
}

} // namespace

TEST_CASE("adapter values: the external rule for graflow_queue_depth") {
  auto r = graflowctl({"adapter", "values", "--prometheus-url", "http://prom.monitoring.svc", "--prometheus-port",
                       "9090"});
  REQUIRE(r.code == 0);
  const auto v = YAML::Load(r.out);
  CHECK(v["prometheus"]["url"].as<std::string>() == "http://prom.monitoring.svc");
  CHECK(v["prometheus"]["port"].as<int>() == 9090);
  CHECK(v["rules"]["default"].as<bool>() == false);
  const auto rule = v["rules"]["external"][0];
  // The graflow layout's series carry key_prefix, the others queue: the rule keeps both.
  CHECK(rule["seriesQuery"].as<std::string>() == "graflow_queue_depth{namespace!=\"\"}");
  CHECK(rule["resources"]["overrides"]["namespace"]["resource"].as<std::string>() == "namespace");
  CHECK(rule["name"]["as"].as<std::string>() == "graflow_queue_depth");
  CHECK(rule["metricsQuery"].as<std::string>() == "max(<<.Series>>{<<.LabelMatchers>>}) by (key_prefix, queue)");
  const auto load = v["rules"]["external"][1];
  CHECK(load["seriesQuery"].as<std::string>() == "graflow_queue_load{namespace!=\"\"}");
  CHECK(load["name"]["as"].as<std::string>() == "graflow_queue_load");
  CHECK(load["metricsQuery"].as<std::string>() == "max(<<.Series>>{<<.LabelMatchers>>}) by (key_prefix, queue)");

  auto defaults = graflowctl({"adapter", "values", "--default-rules"});
  CHECK(YAML::Load(defaults.out)["rules"]["default"].as<bool>());
  CHECK(YAML::Load(defaults.out)["prometheus"]["url"].as<std::string>() == "http://prometheus-server.monitoring.svc");

  auto bad = graflowctl({"adapter", "values", "--prometheus-url", "prom:9090"});
  CHECK(bad.code == 2);
  CHECK(bad.err == "graflowctl: error: --prometheus-url prom:9090: must start with http:// or https://\n");
  auto port = graflowctl({"adapter", "values", "--prometheus-port", "0"});
  CHECK(port.code == 2);
}

TEST_CASE("adapter install adds the repository, then upgrades with a 0600 values file it removes") {
  TempDir rec;
  auto r = graflowctl({"adapter", "install", "--prometheus-url", "http://prom.monitoring.svc", "--chart-version",
                       "4.11.0", "--release", "pa", "--namespace", "metrics"},
                      helm_env(rec));
  CHECK_MESSAGE(r.code == 0, r.err);
  const auto c = calls(rec);
  REQUIRE(c.size() == 4);
  CHECK(c[0] == "repo|list|-o|json");
  CHECK(c[1] == "repo|add|prometheus-community|https://prometheus-community.github.io/helm-charts");
  CHECK(c[2] == "repo|update|prometheus-community");
  const std::string values_path = read_text(rec / "values.path").substr(0, read_text(rec / "values.path").size() - 1);
  CHECK(c[3] == "upgrade|--install|pa|prometheus-community/prometheus-adapter|--namespace|metrics|--create-namespace|-f|" +
                    values_path + "|--wait|--version|4.11.0");
  CHECK(read_text(rec / "values.mode") == "600\n");
  CHECK_FALSE(std::filesystem::exists(values_path));
  // The values helm received are what `adapter values` prints.
  auto values = graflowctl({"adapter", "values", "--prometheus-url", "http://prom.monitoring.svc"});
  CHECK(read_text(rec / "values.yaml") == values.out);
  // helm's output is streamed through.
  CHECK(r.out.find("Release \"pa\" has been upgraded") != std::string::npos);
}

TEST_CASE("an existing repository is reused under its own name") {
  TempDir rec;
  auto r = graflowctl({"adapter", "install"},
                      helm_env(rec, {R"(HELM_FAKE_REPOS=[{"name":"pc","url":"https://prometheus-community.github.io/helm-charts/"}])"}));
  REQUIRE(r.code == 0);
  const auto c = calls(rec);
  REQUIRE(c.size() == 3);
  CHECK(c[1] == "repo|update|pc");
  CHECK(c[2].starts_with("upgrade|--install|prometheus-adapter|pc/prometheus-adapter|--namespace|monitoring|"));
}

TEST_CASE("a helm failure is reported with helm's message, exit 1, and the values file is removed") {
  TempDir rec;
  auto r = graflowctl({"adapter", "install"}, helm_env(rec, {"HELM_FAKE_FAIL=upgrade"}));
  CHECK(r.code == 1);
  CHECK(r.err.find("graflowctl: error: upgrade --install failed (exit 1): Error: UPGRADE FAILED: context deadline "
                   "exceeded") != std::string::npos);
  const std::string values_path = read_text(rec / "values.path");
  CHECK_FALSE(std::filesystem::exists(values_path.substr(0, values_path.size() - 1)));
}

TEST_CASE("helm missing, or $HELM wrong: a clear message") {
  TempDir empty;
  auto r = graflowctl({"adapter", "install"}, graflow::testing::env({"PATH=" + empty.path().string()}));
  CHECK(r.code == 1);
  CHECK(r.err == "graflowctl: error: helm was not found in PATH: install helm 3 (https://helm.sh/docs/intro/install/) "
                 "or set HELM=/path/to/helm\n");
  auto h = graflowctl({"adapter", "install"}, graflow::testing::env({"HELM=/nonexistent/helm"}));
  CHECK(h.code == 1);
  CHECK(h.err == "graflowctl: error: $HELM is /nonexistent/helm, which is not an executable file\n");
}

TEST_CASE("--dry-run prints the commands and values and runs nothing") {
  TempDir rec;
  auto r = graflowctl({"adapter", "install", "--dry-run", "--chart-version", "4.11.0"}, helm_env(rec));
  REQUIRE(r.code == 0);
  CHECK_FALSE(std::filesystem::exists(rec / "calls"));
  CHECK(r.out.find("helm upgrade --install prometheus-adapter prometheus-community/prometheus-adapter --namespace "
                   "monitoring --create-namespace -f VALUES.yaml --wait --version 4.11.0") != std::string::npos);
  CHECK(r.out.find("metricsQuery: 'max(<<.Series>>{<<.LabelMatchers>>}) by (key_prefix, queue)'") != std::string::npos);
}
