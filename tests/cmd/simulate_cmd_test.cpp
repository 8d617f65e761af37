// `graflowctl simulate`, run in-process: text, JSON and SVG against golden files, and one
// line and exit 2 for every bad combination of flags.
#include "cli_runner.hpp"
#include "harness.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <filesystem>
#include <map>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <nlohmann/json.hpp>

using graflow::testing::check_golden;
using graflow::testing::run_cli;

namespace {

const std::string k_empty = std::string(TEST_DATA_DIR) + "/empty.yaml";
const std::string k_custom = std::string(TEST_DATA_DIR) + "/custom.yaml";
const std::string k_depth = std::string(TEST_DATA_DIR) + "/simulate/depth.csv";
const std::string k_arrivals = std::string(TEST_DATA_DIR) + "/simulate/arrivals.csv";

graflow::testing::CliRun sim(std::vector<std::string> args) {
  std::vector<std::string> all = {"--config", k_empty, "simulate"};
  all.insert(all.end(), args.begin(), args.end());
  return run_cli(all);
}

// One line on stderr, exit 2.
void check_usage(const std::vector<std::string>& args, std::string message) {
  if (const auto pos = message.find("$DATA"); pos != std::string::npos) {
    message.replace(pos, 5, TEST_DATA_DIR);
  }
  CAPTURE(message);
  const auto r = sim(args);
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "graflowctl: error: " + message + "\n");
}

// The SVG parsed by libxml2: the element names counted, and the text of every <text>.
struct SvgInfo {
  std::map<std::string, int> elements;
  std::vector<std::string> texts;
};

void walk(xmlNode* node, SvgInfo& info) {
  for (xmlNode* n = node; n != nullptr; n = n->next) {
    if (n->type != XML_ELEMENT_NODE) {
      continue;
    }
    const std::string name = reinterpret_cast<const char*>(n->name);
    ++info.elements[name];
    if (name == "text") {
      xmlChar* content = xmlNodeGetContent(n);
      info.texts.emplace_back(reinterpret_cast<const char*>(content));
      xmlFree(content);
      continue;
    }
    walk(n->children, info);
  }
}

SvgInfo parse_svg(const std::string& text) {
  SvgInfo info;
  xmlDoc* doc = xmlReadMemory(text.data(), static_cast<int>(text.size()), "run.svg", nullptr, XML_PARSE_NONET);
  REQUIRE_MESSAGE(doc != nullptr, "the SVG is not well-formed XML");
  xmlNode* root = xmlDocGetRootElement(doc);
  CHECK(std::string(reinterpret_cast<const char*>(root->name)) == "svg");
  walk(root, info);
  xmlFreeDoc(doc);
  return info;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) {
    ++n;
  }
  return n;
}

} // namespace

TEST_CASE("simulate open loop: text with and without the chart") {
  const auto plain = sim({"-p", "prod", "--depth-trace", k_depth, "--no-chart"});
  REQUIRE(plain.code == 0);
  CHECK(plain.err.empty());
  check_golden(GOLDEN_DIR, "simulate-open.txt", plain.out);
  CHECK(plain.out.find("█") == std::string::npos);

  const auto chart = sim({"-p", "prod", "--depth-trace", k_depth, "--chart", "--compare", "dev"});
  REQUIRE(chart.code == 0);
  check_golden(GOLDEN_DIR, "simulate-open-compare-chart.txt", chart.out);
  CHECK(chart.out.find("█") != std::string::npos);
  CHECK(chart.out.find("replicas prod  |") != std::string::npos);
  CHECK(chart.out.find("replicas dev   |") != std::string::npos);
}

TEST_CASE("simulate closed loop -o json: the documented shape") {
  const auto r = sim({"-p", "prod", "--arrivals-trace", k_arrivals, "--per-worker-rate", "1", "--compare", "dev",
                      "-o", "json"});
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  check_golden(GOLDEN_DIR, "simulate-closed-compare.json", r.out);
  const auto doc = nlohmann::ordered_json::parse(r.out); // keeps the key order
  REQUIRE(doc["runs"].size() == 2);
  CHECK(doc["runs"][0]["profile"] == "prod");
  CHECK(doc["runs"][1]["profile"] == "dev");
  CHECK(doc["runs"][0]["mode"] == "closed");
  CHECK(doc.find("tune") == doc.end());
  const auto& syncs = doc["runs"][0]["syncs"];
  REQUIRE(syncs.size() == 41); // 0..600 s every 15 s
  CHECK(syncs[0]["t"] == 0);
  CHECK(syncs[0]["metric"].is_null());
  CHECK(syncs[2]["metric"].is_number());
  std::vector<std::string> keys;
  for (const auto& [k, v] : syncs[0].items()) {
    keys.push_back(k);
  }
  CHECK(keys == std::vector<std::string>{"t", "depth", "metric", "proposal", "replicas", "ready", "conditions"});
  keys.clear();
  for (const auto& [k, v] : doc["runs"][0]["summary"].items()) {
    keys.push_back(k);
  }
  CHECK(keys == std::vector<std::string>{"peak_replicas", "worker_seconds", "scale_events", "direction_changes",
                                         "tasks_arrived", "tasks_done", "wait_p50_s", "wait_p99_s", "wait_max_s",
                                         "drain_s", "final_depth"});
  CHECK(doc["runs"][0]["summary"]["tasks_arrived"] == 120 * 2 + 120 * 12 + 361);
  CHECK(syncs[0]["conditions"].contains("AbleToScale"));
}

TEST_CASE("simulate --load and --tune") {
  const auto r = sim({"-p", "prod", "--load", "steady:rate=4+burst:tasks=300,every=20m", "--duration", "1h",
                      "--per-worker-rate", "1", "--tune", "--max-wait", "2m", "-o", "json"});
  REQUIRE(r.code == 0);
  const auto doc = nlohmann::json::parse(r.out);
  CHECK(doc["runs"][0]["summary"]["tasks_arrived"] == 4 * 3600 + 4 * 300);
  REQUIRE(doc.contains("tune"));
  CHECK(doc["tune"]["max_wait_s"] == 120);
  std::vector<std::string> keys;
  const auto ordered = nlohmann::ordered_json::parse(r.out);
  for (const auto& [k, v] : ordered["tune"].items()) {
    keys.push_back(k);
  }
  CHECK(keys == std::vector<std::string>{"max_wait_s", "best", "summary"});
  REQUIRE(doc["tune"]["best"].is_object());
  CHECK(doc["tune"]["summary"]["wait_p99_s"].get<double>() <= 120);

  const auto text = sim({"-p", "prod", "--load", "steady:rate=4+burst:tasks=300,every=20m", "--duration", "1h",
                         "--per-worker-rate", "1", "--tune", "--max-wait", "2m", "--no-chart"});
  REQUIRE(text.code == 0);
  check_golden(GOLDEN_DIR, "simulate-tune.txt", text.out);
  CHECK(text.out.find("profiles:\n  prod-tuned:\n    extends: prod\n") != std::string::npos);
  CHECK(text.out.find("tune: 256 candidates, p99 wait <= 2m") != std::string::npos);
}

TEST_CASE("simulate --svg draws both profiles with axes and a legend") {
  graflow::testing::TempDir dir;
  const auto svg = (dir / "run.svg").string();
  const auto r = sim({"-p", "prod", "--arrivals-trace", k_arrivals, "--per-worker-rate", "1", "--compare", "dev",
                      "--svg", svg, "--no-chart"});
  REQUIRE(r.code == 0);
  CHECK(r.out.find("wrote " + svg) != std::string::npos);
  const auto info = parse_svg(graflow::testing::read_text(svg));
  for (const char* label : {"depth (prod)", "depth (dev)", "replicas (prod)", "replicas (dev)", "queue depth (tasks)",
                            "replicas (pods)", "time (minutes)", "graflowctl simulate: prod vs dev"}) {
    CAPTURE(label);
    CHECK(std::find(info.texts.begin(), info.texts.end(), label) != info.texts.end());
  }
  // Axis tick labels 0..10 minutes, and a line per series.
  CHECK(std::find(info.texts.begin(), info.texts.end(), "10") != info.texts.end());
  CHECK(info.elements.at("polyline") >= 4);
  // Nothing but the SVG is left in the directory (written through a temporary file).
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) {
    ++files;
  }
  CHECK(files == 1);

  // An SVG into a missing directory is a failure (exit 1) with one line.
  const auto bad = sim({"-p", "prod", "--depth-trace", k_depth, "--svg", (dir / "no/such/dir.svg").string()});
  CHECK(bad.code == 1);
  CHECK(bad.err.rfind("graflowctl: error: ", 0) == 0);
  CHECK(count(bad.err, "\n") == 1);
}

TEST_CASE("simulate: every bad combination is one line and exit 2") {
  check_usage({"-p", "prod"}, "simulate needs a load: --depth-trace FILE, --from-prometheus URL, --arrivals-trace "
                              "FILE or --load SPEC");
  check_usage({"-p", "prod", "--depth-trace", k_depth, "--arrivals-trace", k_arrivals},
              "give one load, not both --depth-trace and --arrivals-trace");
  check_usage({"-p", "prod", "--arrivals-trace", k_arrivals},
              "a closed loop (--arrivals-trace) needs --per-worker-rate R (tasks/s one worker finishes)");
  check_usage({"-p", "prod", "--depth-trace", k_depth, "--per-worker-rate", "2"},
              "--per-worker-rate is for a closed loop (--arrivals-trace or --load), not --depth-trace");
  check_usage({"-p", "prod", "--load", "steady:rate=1", "--per-worker-rate", "2"},
              "--load needs --duration D (how long the generated load runs)");
  check_usage({"-p", "prod", "--depth-trace", k_depth, "--step", "2s"},
              "--sync-period (15s) is not a whole multiple of --step 2s");
  check_usage({"-p", "prod", "--depth-trace", k_depth, "--duration", "10m500ms"},
              "the end of the run (10m0.5s) is not a whole multiple of --step 1s");
  check_usage({"-p", "prod", "--arrivals-trace", k_arrivals, "--per-worker-rate", "1", "--tune"},
              "--tune needs --max-wait D (the p99 wait the tuned profile must keep)");
  check_usage({"-p", "prod", "--depth-trace", k_depth, "--max-wait", "1m"},
              "--max-wait, --min-replicas, --max-replicas and --average-value go with --tune");
  check_usage({"-p", "prod", "--depth-trace", k_depth, "--tune", "--max-wait", "1m"},
              "--tune needs a closed loop (--arrivals-trace or --load): waits need arrivals");
  check_usage({"-p", "prod", "--depth-trace", k_depth, "--start", "0"}, "--start and --end go with --from-prometheus");
  check_usage({"-p", "prod", "--from-prometheus", "http://127.0.0.1:1"},
              "--from-prometheus needs --start T and --end T (RFC 3339 or Unix seconds)");
  check_usage({"-p", "prod", "--depth-trace", k_depth, "--tolerance", "1.5"}, "--tolerance 1.5 must be at least 0 and below 1");
  check_usage({"-p", "prod", "--depth-trace", k_depth, "--start-replicas", "-1"},
              "--start-replicas: -1 is out of range: it must be from 0 to 2147483647 (replicas is an int32 in the "
              "Kubernetes API) (see 'graflowctl simulate --help')");
  check_usage({"-p", "prod", "--depth-trace", k_depth, "--metric-delay", "30"},
              "invalid --metric-delay \"30\": expected a duration such as 500ms, 2s, 5m or 1h30m");
  check_usage({"-p", "prod", "--depth-trace", std::string(TEST_DATA_DIR) + "/simulate/bad.csv"},
              "$DATA/simulate/bad.csv:3: depth \"oops\" is not a whole non-negative number");
  check_usage({"-p", "prod", "--depth-trace", std::string(TEST_DATA_DIR) + "/simulate/tasks-header.csv"},
              "$DATA/simulate/tasks-header.csv:1: header \"seconds,tasks\" is an arrivals trace; --depth-trace needs "
              "\"seconds,depth\"");
  check_usage({"-p", "nope", "--depth-trace", k_depth}, "unknown profile \"nope\" (known: dev, prod)");
  check_usage({"-p", "prod", "--load", "steady:rate=1", "--duration", "1m", "--per-worker-rate", "1", "--tune",
               "--max-wait", "1m", "--compare", "dev"},
              "--tune and --compare do not go together: tune one profile, then compare with the result");
}
