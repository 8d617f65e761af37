// Pure functions of the actions: the HPA snapshot, rollout progress, quantities, and the
// precedence rules of actions/resolve.
#include "graflow/actions/doctor.hpp"
#include "graflow/actions/resolve.hpp"
#include "graflow/actions/rollout.hpp"
#include "graflow/actions/scale.hpp"
#include "graflow/core/error.hpp"

#include <doctest/doctest.h>

using graflow::MapEnv;
using nlohmann::json;
namespace actions = graflow::actions;

TEST_CASE("hpa_snapshot keeps what must come back and drops what the server owns") {
  const json hpa = {{"apiVersion", "autoscaling/v2"},
                    {"kind", "HorizontalPodAutoscaler"},
                    {"metadata",
                     {{"name", "w-hpa"},
                      {"namespace", "work"},
                      {"uid", "u-1"},
                      {"resourceVersion", "42"},
                      {"managedFields", json::array({{{"manager", "graflowctl"}}})},
                      {"labels", {{"app", "w"}}},
                      {"annotations", nullptr}}},
                    {"spec", {{"minReplicas", 2}, {"maxReplicas", 20}}},
                    {"status", {{"currentReplicas", 3}}}};
  const json s = actions::hpa_snapshot(hpa);
  CHECK(s == json{{"apiVersion", "autoscaling/v2"},
                  {"kind", "HorizontalPodAutoscaler"},
                  {"metadata", {{"name", "w-hpa"}, {"namespace", "work"}, {"labels", {{"app", "w"}}}}},
                  {"spec", {{"minReplicas", 2}, {"maxReplicas", 20}}}});
  // Without a spec or apiVersion there is still a well-formed object to re-create.
  const json bare = actions::hpa_snapshot({{"metadata", {{"name", "x"}}}});
  CHECK(bare["apiVersion"] == "autoscaling/v2");
  CHECK(bare["spec"] == json::object());
  CHECK_THROWS(actions::hpa_snapshot(json{{"spec", json::object()}}));
}

TEST_CASE("rollout_pending says what a Deployment still waits for, as kubectl rollout status") {
  auto d = [](long long gen, long long observed, long long want, long long updated, long long replicas,
              long long available) {
    return json{{"metadata", {{"generation", gen}}},
                {"spec", {{"replicas", want}}},
                {"status",
                 {{"observedGeneration", observed},
                  {"updatedReplicas", updated},
                  {"replicas", replicas},
                  {"availableReplicas", available}}}};
  };
  CHECK(actions::rollout_pending(d(2, 1, 3, 3, 3, 3)) == "Waiting for the deployment spec update to be observed");
  CHECK(actions::rollout_pending(d(2, 2, 3, 1, 3, 1)) == "Waiting for rollout: 1 of 3 new replicas have been updated");
  CHECK(actions::rollout_pending(d(2, 2, 3, 3, 5, 3)) == "Waiting for rollout: 2 old replicas are pending termination");
  CHECK(actions::rollout_pending(d(2, 2, 3, 3, 3, 1)) == "Waiting for rollout: 1 of 3 updated replicas are available");
  CHECK(actions::rollout_pending(d(2, 2, 3, 3, 3, 3)).empty());
  // spec.replicas defaults to 1: a Deployment without status is not available.
  CHECK(actions::rollout_pending(json{{"metadata", json::object()}}) ==
        "Waiting for rollout: 0 of 1 new replicas have been updated");
}

TEST_CASE("parse_quantity reads the quantities the HPA reports") {
  CHECK(actions::parse_quantity("137") == 137.0);
  CHECK(actions::parse_quantity("12500m") == doctest::Approx(12.5));
  CHECK(actions::parse_quantity("1.5k") == doctest::Approx(1500.0));
  CHECK(actions::parse_quantity("2Ki") == doctest::Approx(2048.0));
  CHECK_FALSE(actions::parse_quantity("").has_value());
  CHECK_FALSE(actions::parse_quantity("12x").has_value());
  CHECK_FALSE(actions::parse_quantity("m").has_value());
}

TEST_CASE("redis_url: --redis-url, $GRAFLOW_REDIS_URL, $REDIS_HOST, the profile's, the default") {
  // static: GCC 12 at -O2 warns (falsely) that the optional<string> inside a local Profile
  // may be used uninitialized once the new queue fields made Profile larger.
  static graflow::config::Profile p;
  p.redis_url = "redis://from-profile:6379/0";
  MapEnv env;
  CHECK(actions::redis_url("", env, nullptr).url == "redis://localhost:6379/0");
  CHECK(actions::redis_url("", env, nullptr).source == "the default");
  CHECK(actions::redis_url("", env, &p).url == "redis://from-profile:6379/0");
  env.set("REDIS_HOST", "");
  CHECK(actions::redis_url("", env, &p).url == "redis://from-profile:6379/0"); // empty is unset
  env.set("REDIS_HOST", "10.0.0.5");
  CHECK(actions::redis_url("", env, &p).url == "redis://10.0.0.5:6379/0");
  env.set("REDIS_HOST", "fd00::5");
  CHECK(actions::redis_url("", env, &p).url == "redis://[fd00::5]:6379/0");
  env.set("GRAFLOW_REDIS_URL", "redis://from-env:7000/1");
  CHECK(actions::redis_url("", env, &p).url == "redis://from-env:7000/1");
  CHECK(actions::redis_url("", env, &p).source == "$GRAFLOW_REDIS_URL");
  CHECK(actions::redis_url("redis://flag:1/2", env, &p).url == "redis://flag:1/2");
  CHECK(actions::redis_url("redis://flag:1/2", env, &p).source == "--redis-url");
}

TEST_CASE("key_prefixes: the command's list, the global flag, $KEY_PREFIX, the profile's, graflow") {
  graflow::config::Profile p;
  p.key_prefix = "prof";
  MapEnv env;
  using V = std::vector<std::string>;
  CHECK(actions::key_prefixes({}, "", env, nullptr) == V{"graflow"});
  CHECK(actions::key_prefixes({}, "", env, &p) == V{"prof"});
  env.set("KEY_PREFIX", "env");
  CHECK(actions::key_prefixes({}, "", env, &p) == V{"env"});
  CHECK(actions::key_prefixes({}, "global", env, &p) == V{"global"});
  CHECK(actions::key_prefixes({"a", "b"}, "global", env, &p) == V{"a", "b"});
}

TEST_CASE("queue_specs: the command's flags, the global flags, $KEY_PREFIX, the profile's queue or keyPrefix, graflow") {
  graflow::config::Profile p;
  p.name = "prod";
  p.key_prefix = "prof";
  MapEnv env;
  using Q = actions::QueueFlags;
  const auto ids = [](const std::vector<graflow::queues::QueueSpec>& specs) {
    std::vector<std::string> out;
    for (const auto& s : specs) {
      out.push_back(std::string(graflow::queues::layout_name(s.layout)) + ":" + s.id);
    }
    return out;
  };
  using V = std::vector<std::string>;
  CHECK(ids(actions::queue_specs({}, {}, env, nullptr)) == V{"graflow:graflow"});
  CHECK(ids(actions::queue_specs({}, {}, env, &p)) == V{"graflow:prof"});
  p.queue = graflow::config::QueueSetting{"celery:tasks", "graflow.yaml:7"};
  CHECK(ids(actions::queue_specs({}, {}, env, &p)) == V{"celery:tasks"}); // the profile's queue: replaces keyPrefix
  env.set("KEY_PREFIX", "env");
  CHECK(ids(actions::queue_specs({}, {}, env, &p)) == V{"graflow:env"});
  CHECK(ids(actions::queue_specs({}, Q{{}, {"rq:mail"}}, env, &p)) == V{"rq:mail"});
  CHECK(ids(actions::queue_specs({}, Q{{"g"}, {"rq:mail"}}, env, &p)) == V{"graflow:g", "rq:mail"});
  // The command's own flags beat the global ones; key prefixes first, then --queue in order.
  CHECK(ids(actions::queue_specs(Q{{"a"}, {"bullmq:x", "sidekiq:y"}}, Q{{"g"}, {"rq:mail"}}, env, &p)) ==
        V{"graflow:a", "bullmq:x", "sidekiq:y"});
  CHECK(ids(actions::queue_specs(Q{{}, {"list:jobs"}}, Q{{"g"}, {}}, env, &p)) == V{"list:jobs"});

  const auto usage = [](auto&& f) {
    try {
      f();
    } catch (const graflow::Error& e) {
      CHECK(e.code() == graflow::Exit::usage);
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  CHECK(usage([&] { (void)actions::queue_specs(Q{{}, {"celery:a", "rq:a"}}, {}, env, &p); }) ==
        "two queues have the id \"a\" (celery:a and rq:a); give one of them another with id=");
  CHECK(usage([&] { (void)actions::queue_specs(Q{{"a", "a"}, {}}, {}, env, &p); }) == "key prefix \"a\" is given twice");
  CHECK(usage([&] { (void)actions::queue_specs(Q{{}, {"kafka:x"}}, {}, env, &p); }).rfind("--queue \"kafka:x\": ", 0) == 0);
  MapEnv clean;
  p.queue = graflow::config::QueueSetting{"celery:tasks,colour=red", "graflow.yaml:7"};
  CHECK(usage([&] { (void)actions::queue_specs({}, {}, clean, &p); }).rfind("graflow.yaml:7: profile prod: queue", 0) == 0);
}

TEST_CASE("resolve_profile: --profile, defaultProfile, the fallback; --key-prefix/$KEY_PREFIX < -n < --set") {
  const graflow::config::Config config = graflow::config::load_config(std::string(TEST_DATA_DIR) + "/empty.yaml", MapEnv());
  MapEnv env;
  actions::ResolveInputs in;
  CHECK_THROWS_AS(actions::resolve_profile(config, in, env, "deploy"), graflow::Error);
  try {
    (void)actions::resolve_profile(config, in, env, "deploy");
  } catch (const graflow::Error& e) {
    CHECK(e.code() == graflow::Exit::usage);
    CHECK(std::string(e.what()).rfind("deploy needs --profile NAME (known: ", 0) == 0);
  }
  CHECK(actions::resolve_profile(config, in, env, "scale", "prod").profile.name == "prod");
  in.profile_flag = "dev";
  CHECK(actions::resolve_profile(config, in, env, "scale", "prod").profile.name == "dev");

  env.set("KEY_PREFIX", "from-env");
  CHECK(actions::resolve_profile(config, in, env, "x").profile.key_prefix == "from-env");
  in.key_prefix_flag = "from-flag";
  CHECK(actions::resolve_profile(config, in, env, "x").profile.key_prefix == "from-flag");
  in.sets = {"keyPrefix=from-set"};
  CHECK(actions::resolve_profile(config, in, env, "x").profile.key_prefix == "from-set");

  in.namespace_flag = "from-n";
  CHECK(actions::resolve_profile(config, in, env, "x").profile.namespace_ == "from-n");
  in.sets.push_back("namespace=from-set");
  CHECK(actions::resolve_profile(config, in, env, "x").profile.namespace_ == "from-set");
}

TEST_CASE("profile_name: --profile, then the config's defaultProfile, then the command's fallback") {
  const auto config = graflow::config::load_config(std::string(TEST_DATA_DIR) + "/custom.yaml", MapEnv());
  CHECK(actions::profile_name("", config, "prod") == "staging");
  CHECK(actions::profile_name("dev", config, "prod") == "dev");
  const auto empty = graflow::config::load_config(std::string(TEST_DATA_DIR) + "/empty.yaml", MapEnv());
  CHECK(actions::profile_name("", empty, "prod") == "prod");
  CHECK(actions::profile_name("", empty, nullptr).empty());
}

TEST_CASE("a profile's queue: and scaleOn: the HPA's metric and selector, errors with file:line") {
  using graflow::config::Config;
  const auto resolve = [](const std::string& yaml) {
    const Config config = Config::parse(yaml, "graflow.yaml");
    actions::ResolveInputs in;
    in.profile_flag = "w";
    return actions::resolve_profile(config, in, MapEnv(), "render").profile;
  };
  const auto seed = resolve("profiles:\n  w:\n    extends: prod\n");
  CHECK(seed.hpa_metric.name == "graflow_queue_depth");
  CHECK(seed.hpa_metric.label == "key_prefix");
  CHECK(seed.hpa_metric.value == "graflow");
  CHECK(seed.hpa_metric.exporter_flag == "--key-prefix=graflow");

  const auto celery = resolve("profiles:\n  w:\n    extends: prod\n    queue: celery:tasks,id=work\n");
  CHECK(celery.hpa_metric.name == "graflow_queue_depth");
  CHECK(celery.hpa_metric.label == "queue");
  CHECK(celery.hpa_metric.value == "work");
  CHECK(celery.hpa_metric.exporter_flag == "--queue=celery:tasks,id=work");

  const auto bull = resolve("profiles:\n  w:\n    extends: prod\n    scaleOn: waiting+in_flight\n"
                            "    queue: {layout: bullmq, name: mail}\n");
  CHECK(bull.hpa_metric.name == "graflow_queue_load");
  CHECK(bull.hpa_metric.value == "mail");
  // A plain list records no in flight: waiting+in_flight is its waiting count.
  const auto list = resolve("profiles:\n  w:\n    extends: prod\n    scaleOn: waiting+in_flight\n    queue: list:jobs\n");
  CHECK(list.hpa_metric.name == "graflow_queue_depth");

  const auto message = [&](const std::string& yaml) {
    try {
      (void)resolve(yaml);
    } catch (const graflow::Error& e) {
      CHECK(e.code() == graflow::Exit::usage);
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  CHECK(message("profiles:\n  w:\n    extends: prod\n    scaleOn: busy\n") ==
        "graflow.yaml:4: profiles.w.scaleOn: must be waiting or waiting+in_flight, not \"busy\"");
  CHECK(message("profiles:\n  w:\n    extends: prod\n    queue: kafka:x\n").rfind("graflow.yaml:4: profile w: queue", 0) == 0);
  CHECK(message("profiles:\n  w:\n    extends: prod\n    queue: {layout: rq}\n").rfind("graflow.yaml:4: profile w: queue", 0) == 0);
}
