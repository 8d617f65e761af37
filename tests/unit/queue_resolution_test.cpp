// One queue resolution for every command (actions/resolve.hpp): what `render` puts in the HPA
// (metric, selector) and in the exporter's arguments is the queue `queue depth --profile`
// reads, for flags only, a profile's queue: only, and both — with the documented precedence
// (--set > the global --key-prefix/--queue > $KEY_PREFIX > the profile's queue: > keyPrefix).
#include "graflow/actions/resolve.hpp"
#include "graflow/config/config.hpp"
#include "graflow/core/error.hpp"
#include "graflow/queues/spec.hpp"
#include "graflow/render/render.hpp"

#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

using graflow::MapEnv;
namespace actions = graflow::actions;
namespace q = graflow::queues;

namespace {

const std::filesystem::path k_templates = std::filesystem::path(GRAFLOW_SOURCE_DIR) / "templates";

// What the rendered manifests say about the queue.
struct Rendered {
  std::string metric;
  std::string label;
  std::string value;
  q::QueueSpec exporter; // the exporter's --key-prefix= / --queue= argument, parsed
};

Rendered rendered(const graflow::config::Profile& profile) {
  Rendered out;
  int exporter_flags = 0;
  for (const auto& m : graflow::render::render_manifests(k_templates, profile)) {
    const YAML::Node doc = YAML::Load(m.text);
    if (m.kind == "HorizontalPodAutoscaler") {
      const YAML::Node metric = doc["spec"]["metrics"][0]["external"]["metric"];
      out.metric = metric["name"].as<std::string>();
      const YAML::Node labels = metric["selector"]["matchLabels"];
      REQUIRE(labels.size() == 1);
      out.label = labels.begin()->first.as<std::string>();
      out.value = labels.begin()->second.as<std::string>();
    }
    if (m.kind == "Deployment" && m.name == profile.exporter.deployment) {
      for (const auto& arg : doc["spec"]["template"]["spec"]["containers"][0]["args"]) {
        REQUIRE(arg.IsScalar()); // a flag, never a YAML map made of a value with ':'
        const auto a = arg.as<std::string>();
        if (a.rfind("--key-prefix=", 0) == 0) {
          out.exporter = q::graflow_queue(a.substr(13));
          ++exporter_flags;
        } else if (a.rfind("--queue=", 0) == 0) {
          out.exporter = q::parse_queue_spec(a.substr(8));
          ++exporter_flags;
        }
      }
    }
  }
  CHECK(exporter_flags == 1);
  return out;
}

const char* const k_config = "profiles:\n"
                             "  plain:\n    extends: prod\n    keyPrefix: prof\n"
                             "  celery:\n    extends: prod\n    keyPrefix: prof\n"
                             "    queue: celery:tasks,global_keyprefix=app:,id=work\n"
                             "  bull:\n    extends: prod\n    scaleOn: waiting+in_flight\n"
                             "    queue: {layout: bullmq, name: mail, prefix: b}\n";

struct Case {
  const char* profile;
  std::string key_prefix_flag;
  std::vector<std::string> queue_flags;
  const char* env_key_prefix; // nullptr: unset
  std::vector<std::string> sets;
  std::string expected; // layout:id of the queue every command must agree on
};

} // namespace

TEST_CASE("render's HPA and exporter flag and queue depth's specs agree for every combination") {
  const auto config = graflow::config::Config::parse(k_config, "graflow.yaml");
  const std::vector<Case> cases = {
      // Flags only (a profile without queue:).
      {"plain", "", {}, nullptr, {}, "graflow:prof"},
      {"plain", "flagp", {}, nullptr, {}, "graflow:flagp"},
      {"plain", "", {"rq:mail"}, nullptr, {}, "rq:mail"},
      {"plain", "", {}, "envp", {}, "graflow:envp"},
      {"plain", "flagp", {}, "envp", {}, "graflow:flagp"},
      // The profile's queue: only.
      {"celery", "", {}, nullptr, {}, "celery:work"},
      {"bull", "", {}, nullptr, {}, "bullmq:mail"},
      // Both: the command line wins over the profile's queue:.
      {"celery", "flagp", {}, nullptr, {}, "graflow:flagp"},
      {"celery", "", {"sidekiq:default"}, nullptr, {}, "sidekiq:default"},
      {"celery", "", {}, "envp", {}, "graflow:envp"},
      {"celery", "", {"stream:ev,group=g"}, "envp", {}, "stream:ev"},
      {"bull", "flagp", {}, nullptr, {}, "graflow:flagp"},
      {"bull", "", {"graflow:other"}, nullptr, {}, "graflow:other"},
  };
  for (const auto& c : cases) {
    INFO("profile " << c.profile << ", --key-prefix '" << c.key_prefix_flag << "', --queue "
                    << (c.queue_flags.empty() ? "-" : c.queue_flags[0]) << ", $KEY_PREFIX "
                    << (c.env_key_prefix != nullptr ? c.env_key_prefix : "-"));
    MapEnv env;
    if (c.env_key_prefix != nullptr) {
      env.set("KEY_PREFIX", c.env_key_prefix);
    }
    actions::ResolveInputs render_in;
    render_in.profile_flag = c.profile;
    render_in.key_prefix_flag = c.key_prefix_flag;
    render_in.queue_flags = c.queue_flags;
    render_in.sets = c.sets;
    const auto render_profile = actions::resolve_profile(config, render_in, env, "render").profile;

    // queue depth --profile: the same global flags, its own resolution of the queues.
    actions::ResolveInputs depth_in = render_in;
    depth_in.several_queues = true;
    const auto depth_profile = actions::resolve_profile(config, depth_in, env, "queue depth").profile;
    actions::QueueFlags global;
    if (!c.key_prefix_flag.empty()) {
      global.key_prefixes.push_back(c.key_prefix_flag);
    }
    global.queues = c.queue_flags;
    const auto specs = actions::queue_specs({}, global, env, &depth_profile);
    REQUIRE(specs.size() == 1);
    const q::QueueSpec& depth = specs[0];
    CHECK(std::string(q::layout_name(depth.layout)) + ":" + depth.id == c.expected);

    const Rendered r = rendered(render_profile);
    CHECK(r.exporter.layout == depth.layout);
    CHECK(r.exporter.id == depth.id);
    CHECK(q::spec_text(r.exporter) == q::spec_text(depth));
    CHECK(q::watched_keys(r.exporter) == q::watched_keys(depth));
    if (depth.layout == q::Layout::graflow) {
      CHECK(r.label == "key_prefix");
      CHECK(r.value == depth.name);
      CHECK(r.metric == "graflow_queue_depth");
    } else {
      CHECK(r.label == "queue");
      CHECK(r.value == depth.id);
    }
    // status, doctor and profiles show read the profile's queue: the same one.
    CHECK(q::spec_text(actions::profile_queue_spec(render_profile)) == q::spec_text(depth));
  }
}

TEST_CASE("--set keyPrefix= and --set queue= are the command's own flags: above the global ones") {
  const auto config = graflow::config::Config::parse(k_config, "graflow.yaml");
  MapEnv env;
  actions::ResolveInputs in;
  in.profile_flag = "celery";
  in.sets = {"keyPrefix=fromset"};
  CHECK(q::spec_text(actions::profile_queue_spec(actions::resolve_profile(config, in, env, "render").profile)) ==
        "graflow:fromset");
  in.key_prefix_flag = "flagp";
  in.sets = {"queue=rq:mail"};
  const auto p = actions::resolve_profile(config, in, env, "render").profile;
  CHECK(q::spec_text(actions::profile_queue_spec(p)) == "rq:mail");
  CHECK(p.hpa_metric.exporter_flag == "--queue=rq:mail");
  // The map form reaches the exporter as a flag it parses.
  in = {};
  in.profile_flag = "bull";
  CHECK(actions::resolve_profile(config, in, env, "render").profile.hpa_metric.exporter_flag ==
        "--queue=bullmq:mail,prefix=b");
}

TEST_CASE("a command that scales one HPA refuses two global queues (exit 2); queue depth reads both") {
  const auto config = graflow::config::Config::parse(k_config, "graflow.yaml");
  MapEnv env;
  actions::ResolveInputs in;
  in.profile_flag = "plain";
  in.key_prefix_flag = "a";
  in.queue_flags = {"rq:mail"};
  try {
    (void)actions::resolve_profile(config, in, env, "render");
    FAIL("no error");
  } catch (const graflow::Error& e) {
    CHECK(e.code() == graflow::Exit::usage);
    CHECK(std::string(e.what()) ==
          "render scales one HPA on one queue, but the global --key-prefix and --queue name 2: give one");
  }
  in.several_queues = true;
  const auto p = actions::resolve_profile(config, in, env, "queue depth").profile;
  CHECK(actions::queue_specs({}, {{"a"}, {"rq:mail"}}, env, &p).size() == 2);
  // A malformed global --queue names the flag, not the profile.
  in = {};
  in.profile_flag = "plain";
  in.queue_flags = {"kafka:x"};
  try {
    (void)actions::resolve_profile(config, in, env, "render");
    FAIL("no error");
  } catch (const graflow::Error& e) {
    CHECK(e.code() == graflow::Exit::usage);
    CHECK(std::string(e.what()).rfind("--queue \"kafka:x\": unknown layout \"kafka\"", 0) == 0);
  }
}
