#include "graflow/config/config.hpp"
#include "graflow/core/error.hpp"
#include "graflow/render/render.hpp"

#include "harness.hpp"

#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

using graflow::config::Config;
namespace render = graflow::render;

namespace {
const std::filesystem::path k_templates = std::filesystem::path(GRAFLOW_SOURCE_DIR) / "templates";

YAML::Node object(const std::vector<render::Manifest>& ms, const std::string& kind) {
  for (const auto& m : ms) {
    if (m.kind == kind) {
      return YAML::Load(m.text);
    }
  }
  FAIL("no " << kind);
  return {};
}
} // namespace

TEST_CASE("the HPA follows the seed but fixes its flaws") {
  const auto ms = render::render_manifests(k_templates, Config::builtin().resolve("prod").profile);
  const auto hpa = object(ms, "HorizontalPodAutoscaler");
  CHECK(hpa["apiVersion"].as<std::string>() == "autoscaling/v2");
  CHECK(hpa["spec"]["scaleTargetRef"]["apiVersion"].as<std::string>() == "apps/v1");
  CHECK(hpa["spec"]["scaleTargetRef"]["kind"].as<std::string>() == "Deployment");
  CHECK(hpa["spec"]["scaleTargetRef"]["name"].as<std::string>() == "graflow-worker");
  CHECK(hpa["spec"]["minReplicas"].as<int>() == 2);
  CHECK(hpa["spec"]["maxReplicas"].as<int>() == 20);
  const auto metric = hpa["spec"]["metrics"][0];
  CHECK(metric["type"].as<std::string>() == "External");
  CHECK(metric["external"]["metric"]["name"].as<std::string>() == "graflow_queue_depth");
  CHECK(metric["external"]["metric"]["selector"]["matchLabels"]["key_prefix"].as<std::string>() == "graflow");
  CHECK(metric["external"]["target"]["type"].as<std::string>() == "AverageValue");
  CHECK(metric["external"]["target"]["averageValue"].as<std::string>() == "10");
  CHECK_FALSE(hpa["spec"]["behavior"].IsDefined());
}

TEST_CASE("the worker Deployment has the seed's container and no replicas") {
  const auto ms = render::render_manifests(k_templates, Config::builtin().resolve("dev").profile);
  const auto d = object(ms, "Deployment");
  CHECK_FALSE(d["spec"]["replicas"].IsDefined());
  const auto c = d["spec"]["template"]["spec"]["containers"][0];
  CHECK(c["args"][0].as<std::string>() == "--worker-id=$(POD_NAME)");
  CHECK(c["args"][1].as<std::string>() == "--redis-host=redis-service");
  CHECK(c["args"][2].as<std::string>() == "--redis-key-prefix=graflow");
  CHECK(c["env"][0]["valueFrom"]["fieldRef"]["fieldPath"].as<std::string>() == "metadata.name");
  CHECK(c["resources"]["requests"]["cpu"].as<std::string>() == "500m");
  CHECK(c["resources"]["limits"]["memory"].as<std::string>() == "2Gi");
  CHECK(d["spec"]["selector"]["matchLabels"]["app"].as<std::string>() ==
        d["spec"]["template"]["metadata"]["labels"]["app"].as<std::string>());
}

TEST_CASE("values YAML would misread are quoted") {
  const auto p = Config::builtin().resolve("prod", {{"keyPrefix=123", "--set"}, {"namespace=true", "--set"}}).profile;
  const auto ms = render::render_manifests(k_templates, p);
  const auto hpa = object(ms, "HorizontalPodAutoscaler");
  const auto sel = hpa["spec"]["metrics"][0]["external"]["metric"]["selector"]["matchLabels"]["key_prefix"];
  CHECK(sel.Tag() == "!");  // a quoted scalar: a string, not the number 123
  CHECK(sel.as<std::string>() == "123");
  CHECK(hpa["metadata"]["namespace"].Tag() == "!");
}

TEST_CASE("the same input renders the same bytes") {
  const auto p = Config::builtin().resolve("prod").profile;
  CHECK(render::to_stream(render::render_manifests(k_templates, p)) ==
        render::to_stream(render::render_manifests(k_templates, p)));
}

TEST_CASE("a user template that produces invalid YAML is reported, not printed") {
  graflow::testing::TempDir dir;
  graflow::testing::write_text(dir / "10-bad.yaml.mustache", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [x\n");
  const auto p = Config::builtin().resolve("prod").profile;
  try {
    render::render_manifests(dir.path(), p);
    FAIL("rendered invalid YAML");
  } catch (const graflow::Error& e) {
    CHECK(e.code() == graflow::Exit::usage);
    CHECK(std::string(e.what()).find("10-bad.yaml.mustache: the rendered output is not valid YAML") !=
          std::string::npos);
  }
  graflow::testing::write_text(dir / "10-bad.yaml.mustache", "kind: ConfigMap\n");
  CHECK_THROWS_WITH_AS(render::render_manifests(dir.path(), p),
                       doctest::Contains("needs apiVersion, kind and metadata.name"), graflow::Error);
  graflow::testing::write_text(dir / "10-bad.yaml.mustache", "{{#unclosed}}\n");
  CHECK_THROWS_WITH_AS(render::render_manifests(dir.path(), p), doctest::Contains("10-bad.yaml.mustache"),
                       graflow::Error);
}
