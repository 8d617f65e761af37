// `graflowctl render` and `graflowctl profiles`, run in-process, against golden files.
#include "cli_runner.hpp"
#include "harness.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

using graflow::testing::check_golden;
using graflow::testing::run_cli;

namespace {
const std::string k_custom = std::string(TEST_DATA_DIR) + "/custom.yaml";
const std::string k_empty = std::string(TEST_DATA_DIR) + "/empty.yaml";
} // namespace

TEST_CASE("render prod, dev and a custom profile") {
  auto prod = run_cli({"--config", k_empty, "render", "--profile", "prod"});
  CHECK(prod.code == 0);
  CHECK(prod.err.empty());
  check_golden(GOLDEN_DIR, "render-prod.yaml", prod.out);

  auto dev = run_cli({"render", "--config", k_empty, "-p", "dev"});
  CHECK(dev.code == 0);
  check_golden(GOLDEN_DIR, "render-dev.yaml", dev.out);

  auto staging = run_cli({"--config", k_custom, "render"}); // defaultProfile: staging
  CHECK(staging.code == 0);
  check_golden(GOLDEN_DIR, "render-custom.yaml", staging.out);

  // Every document parses, and together they are the objects of the profile.
  const auto docs = YAML::LoadAll(staging.out);
  std::vector<std::string> kinds;
  for (const auto& d : docs) {
    kinds.push_back(d["kind"].as<std::string>());
    CHECK(d["metadata"]["namespace"].as<std::string>() == "graflow");
  }
  CHECK(kinds == std::vector<std::string>{"Deployment", "HorizontalPodAutoscaler", "Deployment", "Service",
                                          "ServiceMonitor"});
}

TEST_CASE("render --set and --key-prefix change single values") {
  auto r = run_cli({"--config", k_empty, "--key-prefix", "tenant-a", "render", "-p", "prod", "--set",
                    "maxReplicas=42", "--set", "worker.image=example.com/w:2", "--set", "exporter.enabled=false"});
  REQUIRE(r.code == 0);
  const auto docs = YAML::LoadAll(r.out);
  REQUIRE(docs.size() == 2);
  CHECK(docs[1]["spec"]["maxReplicas"].as<int>() == 42);
  CHECK(docs[1]["spec"]["metrics"][0]["external"]["metric"]["selector"]["matchLabels"]["key_prefix"].as<std::string>() ==
        "tenant-a");
  CHECK(docs[0]["spec"]["template"]["spec"]["containers"][0]["image"].as<std::string>() == "example.com/w:2");
}

TEST_CASE("render --out-dir writes one complete file per object") {
  graflow::testing::TempDir dir;
  const auto out_dir = (dir / "manifests").string();
  auto r = run_cli({"--config", k_custom, "render", "-p", "staging", "--out-dir", out_dir});
  REQUIRE(r.code == 0);
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(out_dir)) {
    files.push_back(e.path().filename().string());
    CHECK((e.status().permissions() & std::filesystem::perms::others_write) == std::filesystem::perms::none);
  }
  std::sort(files.begin(), files.end());
  CHECK(files == std::vector<std::string>{"deployment-graflow-exporter.yaml", "deployment-staging-worker.yaml",
                                          "horizontalpodautoscaler-staging-worker-hpa.yaml",
                                          "service-graflow-exporter.yaml", "servicemonitor-graflow-exporter.yaml"});
  const auto hpa = YAML::LoadFile(out_dir + "/horizontalpodautoscaler-staging-worker-hpa.yaml");
  CHECK(hpa["spec"]["maxReplicas"].as<int>() == 6);
  CHECK(r.out.find("wrote " + out_dir + "/deployment-staging-worker.yaml") != std::string::npos);

  // A failing render writes nothing, not even into an existing directory.
  const auto other = (dir / "other").string();
  auto bad = run_cli({"--config", k_custom, "render", "-p", "staging", "--set", "minReplicas=9", "--out-dir", other});
  CHECK(bad.code == 2);
  CHECK_FALSE(std::filesystem::exists(other));
}

namespace {
// Every file under `dir` (recursively) with its content.
std::map<std::string, std::string> tree(const std::filesystem::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    files[std::filesystem::relative(e.path(), dir).string()] =
        e.is_regular_file() ? graflow::testing::read_text(e.path()) : std::string("<dir>");
  }
  return files;
}

// The installed templates plus one more, `extra`, in a fresh directory.
std::filesystem::path templates_with(const graflow::testing::TempDir& dir, const std::string& extra) {
  const auto t = dir / "templates";
  std::filesystem::create_directories(t);
  for (const auto& e : std::filesystem::directory_iterator(std::string(GRAFLOW_SOURCE_DIR) + "/templates")) {
    if (e.is_regular_file()) {
      std::filesystem::copy_file(e.path(), t / e.path().filename());
    }
  }
  graflow::testing::write_text(t / "60-extra.yaml.mustache", extra);
  return t;
}
} // namespace

TEST_CASE("render --out-dir replaces the whole set or nothing: a file that cannot be written leaves DIR as it was") {
  graflow::testing::TempDir dir;
  const auto out_dir = dir / "manifests";
  REQUIRE(run_cli({"--config", k_empty, "render", "-p", "dev", "--out-dir", out_dir.string()}).code == 0);
  // The fourth file of the set cannot be replaced (a directory holds its name).
  std::filesystem::remove(out_dir / "service-graflow-exporter.yaml");
  std::filesystem::create_directories(out_dir / "service-graflow-exporter.yaml" / "keep");
  const auto before = tree(out_dir);
  const auto r = run_cli({"--config", k_empty, "render", "-p", "prod", "--out-dir", out_dir.string()});
  CHECK(r.code == 1);
  CHECK(r.out.empty());
  CHECK(r.err == "graflowctl: error: cannot write " + (out_dir / "service-graflow-exporter.yaml").string() +
                     ": it exists and is not a regular file\n");
  CHECK(tree(out_dir) == before); // the three files before it too, and no temporary left
}

TEST_CASE("render --out-dir: object names and kinds from templates are checked before they become file names") {
  struct Case {
    std::string yaml_name; // as written in the template
    std::string shown;     // as the message shows it
  };
  const std::vector<Case> cases = {{"\"x/../../y\"", "x/../../y"}, {"\"..\"", ".."},       {"\"\"", ""},
                                   {"\"a/b\"", "a/b"},             {"\"a\\0b\"", "a\\x00b"}, {"\"a\\nb\"", "a\\nb"},
                                   {"\"Upper\"", "Upper"}};
  for (const auto& c : cases) {
    CAPTURE(c.yaml_name);
    graflow::testing::TempDir dir;
    const auto t = templates_with(dir, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + c.yaml_name + "\n");
    const auto out_dir = dir / "out" / "manifests";
    const auto r = run_cli({"--config", k_empty, "render", "-p", "prod", "--templates", t.string(), "--out-dir",
                            out_dir.string()});
    CHECK(r.code == 2);
    CHECK(r.err == "graflowctl: error: template 60-extra.yaml.mustache: metadata.name \"" + c.shown +
                       "\" is not a valid Kubernetes object name (lower-case letters, digits, '-' and '.', at most "
                       "253 characters): it cannot become a file name in --out-dir\n");
    CHECK_FALSE(std::filesystem::exists(out_dir));
    CHECK((!std::filesystem::exists(dir / "out") || tree(dir.path() / "out").empty())); // nothing created
    CHECK_FALSE(std::filesystem::exists(dir / "y.yaml"));
  }
  graflow::testing::TempDir dir;
  const auto t = templates_with(dir, "apiVersion: v1\nkind: \"../Evil\"\nmetadata:\n  name: ok\n");
  const auto r = run_cli({"--config", k_empty, "render", "-p", "prod", "--templates", t.string(), "--out-dir",
                          (dir / "m").string()});
  CHECK(r.code == 2);
  CHECK(r.err == "graflowctl: error: template 60-extra.yaml.mustache: kind \"../Evil\" is not a Kubernetes kind "
                 "(letters and digits): it cannot become a file name in --out-dir\n");

  // Two templates rendering the same object would keep only one file.
  graflow::testing::TempDir dup;
  const auto t2 = templates_with(dup, "apiVersion: v1\nkind: Service\nmetadata:\n  name: graflow-exporter\n");
  const auto twice = run_cli({"--config", k_empty, "render", "-p", "prod", "--templates", t2.string(), "--out-dir",
                              (dup / "m").string()});
  CHECK(twice.code == 2);
  CHECK(twice.err == "graflowctl: error: templates 40-exporter-service.yaml.mustache and 60-extra.yaml.mustache "
                     "both render Service graflow-exporter: --out-dir would keep only one\n");
}

TEST_CASE("profiles lists and shows") {
  auto list = run_cli({"--config", k_custom, "profiles"});
  CHECK(list.code == 0);
  check_golden(GOLDEN_DIR, "profiles.txt", list.out);

  auto show = run_cli({"--config", k_custom, "profiles", "show", "staging"});
  CHECK(show.code == 0);
  check_golden(GOLDEN_DIR, "profiles-show-staging.txt", show.out);

  auto json = run_cli({"--config", k_custom, "-o", "json", "profiles", "show", "staging"});
  CHECK(json.code == 0);
  check_golden(GOLDEN_DIR, "profiles-show-staging.json", json.out);

  auto yaml = run_cli({"--config", k_custom, "profiles", "-o", "yaml"});
  CHECK(yaml.code == 0);
  const auto doc = YAML::Load(yaml.out);
  CHECK(doc["profiles"].size() == 3);
  CHECK(doc["profiles"][2]["name"].as<std::string>() == "staging");
  CHECK(doc["profiles"][2]["default"].as<bool>());
}

TEST_CASE("bad usage, bad config and bad input exit 2 with one clear line") {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  graflow::testing::TempDir dir;
  graflow::testing::write_text(dir / "bad.yaml", "profiles:\n  prod:\n    minReplicas: 30\n");
  const std::string bad = (dir / "bad.yaml").string();
  const std::vector<Case> cases = {
      {{"render", "--profile"}, "--profile needs a value (see 'graflowctl render --help')"},
      {{"render", "--bogus"}, "unknown flag \"--bogus\" for \"graflowctl render\""},
      {{"--config", k_empty, "render"}, "render needs --profile NAME (known: dev, prod)"},
      {{"--config", k_empty, "render", "-p", "nope"}, "unknown profile \"nope\" (known: dev, prod)"},
      {{"--config", bad, "render", "-p", "prod"},
       bad + ":3: profiles.prod.minReplicas: minReplicas 30 is greater than maxReplicas 20 (set at built-in)"},
      {{"--config", (dir / "missing.yaml").string(), "profiles"},
       "config file " + (dir / "missing.yaml").string() + " does not exist"},
      {{"--config", k_empty, "render", "-p", "prod", "--set", "worker.image=x\ny: z"},
       "--set worker.image: must not contain a newline, tab or other control character"},
      {{"--config", k_empty, "render", "-p", "prod", "--templates", "/nonexistent"},
       "template directory /nonexistent does not exist"},
      {{"-o", "xml", "profiles"}, "--output: \"xml\" is not one of text, json or yaml"},
      {{"--config", k_empty, "profiles", "show", "nope"}, "unknown profile \"nope\" (known: dev, prod)"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.args);
    const auto r = run_cli(c.args);
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK_MESSAGE(r.err.find(c.message) != std::string::npos, r.err);
    CHECK(r.err.rfind("graflowctl: error: ", 0) == 0);
    CHECK(r.err.find('\n') == r.err.size() - 1); // one line
  }
}

TEST_CASE("help and version exit 0") {
  auto help = run_cli({"render", "--help"});
  CHECK(help.code == 0);
  CHECK(help.out.find("--out-dir") != std::string::npos);
  auto version = run_cli({"--version"});
  CHECK(version.code == 0);
  CHECK(version.out.find("graflowctl ") == 0);
}

TEST_CASE("profiles show names the queue the profile watches: its queue: block, or the command line's") {
  const std::string queues = std::string(TEST_DATA_DIR) + "/queues.yaml";
  auto text = run_cli({"--config", queues, "profiles", "show", "celery"});
  CHECK(text.code == 0);
  CHECK(text.err.empty());
  check_golden(GOLDEN_DIR, "profiles-show-celery.txt", text.out);
  auto json = run_cli({"--config", queues, "-o", "json", "profiles", "show", "mail"});
  CHECK(json.code == 0);
  check_golden(GOLDEN_DIR, "profiles-show-mail.json", json.out);

  // YAML: the same document; Celery's step lists keep their \x06\x16 separator.
  auto yaml = run_cli({"--config", queues, "-o", "yaml", "profiles", "show", "celery"});
  REQUIRE(yaml.code == 0);
  const auto doc = YAML::Load(yaml.out);
  CHECK(doc["queueKey"].as<std::string>() == "app_tasks");
  CHECK(doc["watchedQueue"]["layout"].as<std::string>() == "celery");
  CHECK(doc["watchedQueue"]["id"].as<std::string>() == "tasks");
  CHECK(doc["watchedQueue"]["spec"].as<std::string>() == "celery:tasks,global_keyprefix=app_,steps=0,5");
  CHECK(doc["watchedQueue"]["keys"].as<std::vector<std::string>>() ==
        std::vector<std::string>{"app_tasks", "app_tasks\x06\x16" "5", "app_unacked"});

  // The global --key-prefix replaces the queue: block, as it does for queue depth and render.
  auto over = run_cli({"--config", queues, "--key-prefix", "over", "-o", "json", "profiles", "show", "celery"});
  REQUIRE(over.code == 0);
  const auto o = nlohmann::json::parse(over.out);
  CHECK(o["queueKey"] == "over:queue");
  CHECK(o["keyPrefix"] == "over");
  CHECK_FALSE(o.contains("queue"));
  CHECK(o["watchedQueue"] == nlohmann::json{{"layout", "graflow"},
                                            {"id", "over"},
                                            {"key_prefix", "over"},
                                            {"spec", "graflow:over"},
                                            {"keys", {"over:queue"}}});
  auto by_queue = run_cli({"--config", queues, "--queue", "rq:mail", "profiles", "show", "mail"});
  REQUIRE(by_queue.code == 0);
  CHECK(by_queue.out.find("\nQueue: layout rq, id mail (--queue rq:mail)\nKeys:  rq:queue:mail, rq:wip:mail\n") !=
        std::string::npos);
  // The graflow layout keeps the seed's meaning of queueKey.
  auto staging = run_cli({"--config", k_custom, "-o", "json", "profiles", "show", "staging"});
  CHECK(nlohmann::json::parse(staging.out)["queueKey"] == "staging:queue");
}

TEST_CASE("render: a global --key-prefix beside a profile's queue: block is the queue of the HPA and the exporter") {
  const std::string queues = std::string(TEST_DATA_DIR) + "/queues.yaml";
  const auto exporter_queue_args = [](const std::vector<YAML::Node>& docs) {
    std::vector<std::string> out;
    for (const auto& d : docs) {
      if (d["metadata"]["name"].as<std::string>() == "graflow-exporter" && d["kind"].as<std::string>() == "Deployment") {
        for (const auto& a : d["spec"]["template"]["spec"]["containers"][0]["args"]) {
          const auto arg = a.as<std::string>();
          if (arg.rfind("--key-prefix=", 0) == 0 || arg.rfind("--queue=", 0) == 0) {
            out.push_back(arg);
          }
        }
      }
    }
    return out;
  };
  const auto selector = [](const std::vector<YAML::Node>& docs) {
    for (const auto& d : docs) {
      if (d["kind"].as<std::string>() == "HorizontalPodAutoscaler") {
        const auto labels = d["spec"]["metrics"][0]["external"]["metric"]["selector"]["matchLabels"];
        return labels.begin()->first.as<std::string>() + "=" + labels.begin()->second.as<std::string>();
      }
    }
    return std::string("(no HPA)");
  };
  auto own = run_cli({"--config", queues, "render", "-p", "celery"});
  REQUIRE(own.code == 0);
  CHECK(selector(YAML::LoadAll(own.out)) == "queue=tasks");
  CHECK(exporter_queue_args(YAML::LoadAll(own.out)) ==
        std::vector<std::string>{"--queue=celery:tasks,global_keyprefix=app_,steps=0,5"});

  auto over = run_cli({"--config", queues, "--key-prefix", "over", "render", "-p", "celery"});
  REQUIRE(over.code == 0);
  CHECK(selector(YAML::LoadAll(over.out)) == "key_prefix=over");
  CHECK(exporter_queue_args(YAML::LoadAll(over.out)) == std::vector<std::string>{"--key-prefix=over"});
  // What queue depth reads with the same flags: the same queue.
  graflow::testing::RedisServer redis;
  redis.push("over:queue", 5);
  redis.push("app_tasks", 2);
  auto depth = run_cli({"--config", queues, "--key-prefix", "over", "queue", "depth", "-p", "celery", "--redis-url",
                        redis.url(), "-o", "json"});
  REQUIRE(depth.code == 0);
  const auto d = nlohmann::json::parse(depth.out)["queues"];
  REQUIRE(d.size() == 1);
  CHECK(d[0]["key_prefix"] == "over");
  CHECK(d[0]["depth"] == 5);
  auto own_depth = run_cli({"--config", queues, "queue", "depth", "-p", "celery", "--redis-url", redis.url(), "-o",
                            "json"});
  REQUIRE(own_depth.code == 0);
  CHECK(nlohmann::json::parse(own_depth.out)["queues"][0]["queue"] == "tasks");
  CHECK(nlohmann::json::parse(own_depth.out)["queues"][0]["depth"] == 2);

  // The map form reaches the exporter as a flag it parses.
  auto mail = run_cli({"--config", queues, "render", "-p", "mail"});
  REQUIRE(mail.code == 0);
  CHECK(selector(YAML::LoadAll(mail.out)) == "queue=mail-q");
  CHECK(exporter_queue_args(YAML::LoadAll(mail.out)) ==
        std::vector<std::string>{"--queue=bullmq:mail,id=mail-q,prefix=b"});

  auto two = run_cli({"--config", queues, "--key-prefix", "a", "--queue", "rq:x", "render", "-p", "celery"});
  CHECK(two.code == 2);
  CHECK(two.out.empty());
  CHECK(two.err == "graflowctl: error: render scales one HPA on one queue, but the global --key-prefix and --queue "
                   "name 2: give one\n");
  auto bad = run_cli({"--config", queues, "--queue", "rq:", "render", "-p", "celery"});
  CHECK(bad.code == 2);
  CHECK(bad.err == "graflowctl: error: --queue \"rq:\": the rq layout needs a name after \"rq:\"\n");
}
