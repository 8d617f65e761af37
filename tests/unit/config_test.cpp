#include "graflow/config/config.hpp"
#include "graflow/core/error.hpp"

#include <chrono>
#include <ctime>
#include <doctest/doctest.h>
#include <fmt/format.h>

using graflow::Error;
using graflow::Exit;
using graflow::config::Config;

namespace {

// The message of the usage Error that parsing/resolving `yaml` throws.
std::string config_error(const std::string& yaml, const std::string& profile = "prod",
                         const std::vector<graflow::config::Override>& sets = {}) {
  try {
    (void)Config::parse(yaml, "graflow.yaml").resolve(profile, sets);
  } catch (const Error& e) {
    CHECK(e.code() == Exit::usage);
    return e.what();
  }
  FAIL("no error for: " << yaml);
  return "";
}

} // namespace

TEST_CASE("built-in profiles have the seed's numbers") {
  const auto c = Config::builtin();
  CHECK(c.profile_names() == std::vector<std::string>{"dev", "prod"});
  const auto prod = c.resolve("prod").profile;
  CHECK(prod.min_replicas == 2);
  CHECK(prod.max_replicas == 20);
  CHECK(prod.average_value == 10);
  const auto dev = c.resolve("dev").profile;
  CHECK(dev.min_replicas == 1);
  CHECK(dev.max_replicas == 10);
  CHECK(dev.average_value == 20);
  CHECK(prod.worker.deployment == "graflow-worker");
  CHECK(prod.worker.hpa == "graflow-worker-hpa");
  CHECK(prod.worker.resources.cpu_request == "500m");
  CHECK(prod.worker.resources.memory_limit == "2Gi");
  CHECK(prod.key_prefix == "graflow");
  CHECK(prod.queue_key() == "graflow:queue");
  CHECK_FALSE(prod.namespace_.has_value());
  CHECK_FALSE(prod.behavior.has_value());
}

TEST_CASE("desired workers: ceil(depth / averageValue) clamped to [min, max]") {
  const auto prod = Config::builtin().resolve("prod").profile;
  CHECK(graflow::config::desired_workers(100, prod) == 10);
  CHECK(graflow::config::desired_workers(101, prod) == 11);
  CHECK(graflow::config::desired_workers(0, prod) == 2);
  CHECK(graflow::config::desired_workers(5, prod) == 2);
  CHECK(graflow::config::desired_workers(100000, prod) == 20);
}

TEST_CASE("a config file overrides built-in profiles, adds new ones and sets defaults") {
  const auto c = Config::parse(R"(defaultProfile: staging
defaults:
  namespace: work
  worker:
    image: registry.example.com/team/worker:1.2
profiles:
  prod:
    maxReplicas: 50
  staging:
    extends: dev
    averageValue: 15
    keyPrefix: staging
    behavior:
      scaleUp:
        stabilizationWindowSeconds: 0
        policies:
        - type: Percent
          value: 100
          periodSeconds: 15
      scaleDown:
        stabilizationWindowSeconds: 300
)",
                               "graflow.yaml");
  CHECK(c.default_profile() == "staging");
  const auto prod = c.resolve("prod");
  CHECK(prod.profile.min_replicas == 2);
  CHECK(prod.profile.max_replicas == 50);
  CHECK(prod.profile.namespace_ == "work");
  CHECK(prod.profile.worker.image == "registry.example.com/team/worker:1.2");
  const auto staging = c.resolve("staging").profile;
  CHECK(staging.min_replicas == 1);
  CHECK(staging.max_replicas == 10);
  CHECK(staging.average_value == 15);
  CHECK(staging.key_prefix == "staging");
  REQUIRE(staging.behavior.has_value());
  REQUIRE(staging.behavior->scale_up.has_value());
  CHECK(staging.behavior->scale_up->stabilization_window_seconds == 0);
  REQUIRE(staging.behavior->scale_up->policies.size() == 1);
  CHECK(staging.behavior->scale_up->policies[0].type == "Percent");
  CHECK(staging.behavior->scale_up->policies[0].value == 100);
  CHECK(staging.behavior->scale_down->stabilization_window_seconds == 300);
}

TEST_CASE("values remember where they were set") {
  const auto c = Config::parse("profiles:\n  prod:\n    maxReplicas: 50\n", "cfg.yaml");
  const auto r = c.resolve("prod", {{"averageValue=12", "--set"}});
  std::map<std::string, std::string> from;
  for (const auto& s : r.settings) {
    from[s.key] = s.origin.describe();
  }
  CHECK(from["minReplicas"] == "built-in");
  CHECK(from["maxReplicas"] == "cfg.yaml:3");
  CHECK(from["averageValue"] == "--set");
  CHECK(r.profile.average_value == 12);
}

TEST_CASE("invalid config names file, line and key") {
  CHECK(config_error("profiles:\n  prod:\n    maxReplica: 5\n") ==
        "graflow.yaml:3: profiles.prod.maxReplica: unknown key (did you mean maxReplicas?)");
  CHECK(config_error("profiles:\n  prod:\n    minReplicas: two\n") ==
        "graflow.yaml:3: profiles.prod.minReplicas: must be a whole number, not \"two\"");
  CHECK(config_error("profiles:\n  prod:\n    minReplicas: \"2\"\n") ==
        "graflow.yaml:3: profiles.prod.minReplicas: must be a whole number, not the string \"2\"");
  CHECK(config_error("profiles:\n  prod:\n    minReplicas: 0\n") ==
        "graflow.yaml:3: profiles.prod.minReplicas: must be from 1 to 1000000, not 0");
  CHECK(config_error("profiles:\n  prod:\n    averageValue: -3\n") ==
        "graflow.yaml:3: profiles.prod.averageValue: must be from 1 to 1000000, not -3");
  // The real limit, also for values no int holds; quoted scalars are strings for every type.
  CHECK(config_error("profiles:\n  prod:\n    maxReplicas: 2147483647\n") ==
        "graflow.yaml:3: profiles.prod.maxReplicas: must be from 1 to 1000000, not 2147483647");
  CHECK(config_error("profiles:\n  prod:\n    maxReplicas: 99999999999999999999\n") ==
        "graflow.yaml:3: profiles.prod.maxReplicas: must be from 1 to 1000000, not 99999999999999999999");
  CHECK(config_error("profiles:\n  prod:\n    exporter:\n      serviceMonitor: \"true\"\n") ==
        "graflow.yaml:4: profiles.prod.exporter.serviceMonitor: must be true or false, not the string \"true\"");
  CHECK(config_error("profiles:\n  prod:\n    exporter:\n      enabled: yes\n") ==
        "graflow.yaml:4: profiles.prod.exporter.enabled: must be true or false, not \"yes\"");
  CHECK(config_error("profiles:\n  prod:\n    minReplicas: 30\n") ==
        "graflow.yaml:3: profiles.prod.minReplicas: minReplicas 30 is greater than maxReplicas 20 (set at built-in)");
  CHECK(config_error("profiles:\n  prod:\n    worker:\n      deployment: Graflow_Worker\n")
            .starts_with("graflow.yaml:4: profiles.prod.worker.deployment: \"Graflow_Worker\" is not a valid name"));
  CHECK(config_error("profiles:\n  prod:\n    namespace: [a, b]\n") ==
        "graflow.yaml:3: profiles.prod.namespace: must be a single value, not a list");
  CHECK(config_error("profiles:\n  prod:\n    worker: 3\n") == "graflow.yaml:3: profiles.prod.worker: must be a map");
  CHECK(config_error("prod:\n  minReplicas: 1\n") ==
        "graflow.yaml:1: prod: unknown key; expected profiles, defaults or defaultProfile");
  CHECK(config_error("profiles:\n  prod:\n    minReplicas: 1\n  Bad_Name:\n    minReplicas: 1\n")
            .starts_with("graflow.yaml:4: profiles.Bad_Name: profile name"));
  CHECK(config_error("profiles:\n  new:\n    minReplicas: 1\n", "new") ==
        "graflow.yaml:2: profiles.new: maxReplicas is required (or extend a profile that has it: extends: prod)");
  CHECK(config_error("defaultProfile: nope\n") == "graflow.yaml:1: defaultProfile: no profile named \"nope\"");
  CHECK(config_error("profiles:\n  a:\n    extends: b\n  b:\n    extends: a\n", "a") ==
        "graflow.yaml:2: profiles.a.extends: profiles extend each other in a cycle");
  CHECK(config_error("profiles: [\n").starts_with("graflow.yaml:2: invalid YAML"));
  CHECK(config_error("profiles:\n  prod:\n    behavior:\n      scaleUp:\n        policies:\n        - type: Pods\n"
                     "          value: 4\n") == "graflow.yaml:6: profiles.prod.behavior.scaleUp.policies[0]: "
                                                "periodSeconds is required");
  CHECK(config_error("profiles:\n  prod:\n    behavior:\n      scaleUp:\n        selectPolicy: Most\n") ==
        "graflow.yaml:5: profiles.prod.behavior.scaleUp.selectPolicy: must be Max, Min or Disabled, not \"Most\"");
}

TEST_CASE("values that would change the YAML structure are rejected") {
  for (const char* bad : {"\"a\\nb\"", "\"x: y\"", "\"{x}\"", "\"a #b\"", "\"&anchor\"", "\"*alias\"", "\"-x\"",
                          "\"|x\"", "\"has\\\"quote\""}) {
    const std::string yaml = std::string("profiles:\n  prod:\n    worker:\n      image: ") + bad + "\n";
    const std::string message = config_error(yaml);
    CHECK_MESSAGE(message.starts_with("graflow.yaml:4: profiles.prod.worker.image: "), message);
  }
  CHECK(config_error("", "prod", {{"worker.image=a: b", "--set"}}) ==
        "--set worker.image: must not contain \": \" or \" #\" (it would change the YAML structure)");
  CHECK(config_error("", "prod", {{"keyPrefix={x}", "--set"}}) ==
        "--set keyPrefix: must not start with '{' (it would change the YAML structure)");
}

TEST_CASE("--set errors") {
  CHECK(config_error("", "prod", {{"minReplicas", "--set"}}) == "--set minReplicas: expected key=value");
  CHECK(config_error("", "prod", {{"maxReplica=3", "--set"}}) ==
        "--set maxReplica=3: unknown key (did you mean maxReplicas?)");
  CHECK(config_error("", "prod", {{"maxReplicas=1", "--set"}}) ==
        "--set maxReplicas: maxReplicas 1 is less than minReplicas 2 (set at built-in)");
  CHECK(config_error("", "prod", {{"exporter.serviceMonitor=yes", "--set"}}) ==
        "--set exporter.serviceMonitor: must be true or false, not \"yes\"");
  CHECK(config_error("", "prod", {{"behavior.scaleUp.policies=x", "--set"}}) ==
        "--set behavior.scaleUp.policies: is a list; set it in the config file");
  CHECK(config_error("", "nope") == "unknown profile \"nope\" (known: dev, prod)");
}

TEST_CASE("duplicate keys and a second document are errors naming file and line") {
  CHECK(config_error("profiles:\n  prod:\n    minReplicas: 3\n    minReplicas: 4\n") ==
        "graflow.yaml:4: invalid YAML: duplicate key \"minReplicas\" (first at line 3)");
  CHECK(config_error("profiles:\n  prod: {}\n  dev: {}\n  prod:\n    minReplicas: 1\n") ==
        "graflow.yaml:4: invalid YAML: duplicate key \"prod\" (first at line 2)");
  CHECK(config_error("defaultProfile: prod\n---\ndefaultProfile: dev\n") ==
        "graflow.yaml:3: invalid YAML: a second YAML document (after ---): the file must hold exactly one");
  // A leading document marker is one document, not two.
  CHECK(Config::parse("---\ndefaultProfile: dev\n", "graflow.yaml").default_profile() == "dev");
}

// How fast it loads is measured by bench, never asserted here (speed depends on the machine
// and the sanitizer); this checks that a config of that size loads and resolves correctly.
TEST_CASE("a config of 30,000 profiles loads and resolves") {
  std::string yaml = "profiles:\n";
  for (int i = 0; i < 30000; ++i) {
    yaml += fmt::format("  p{}:\n    extends: prod\n    minReplicas: 1\n    worker:\n      deployment: w{}\n", i, i);
  }
  const auto c = Config::parse(yaml, "big.yaml");
  CHECK(c.resolve("p29999").profile.worker.deployment == "w29999");
  CHECK(c.resolve("p0").profile.min_replicas == 1);
  CHECK(c.profile_names().size() == 30002);
}
