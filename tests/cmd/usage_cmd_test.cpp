// Bad usage in every form a user can type it: one line in graflowctl's own words (never the
// parser's), naming the word, the command and the limit, and exit 2.
#include "cli_runner.hpp"
#include "cmd_harness.hpp"
#include "harness.hpp"

#include <doctest/doctest.h>

using graflow::testing::CmdEnv;
using graflow::testing::run_cli;
using graflow::testing::TempDir;
using graflow::testing::write_text;

namespace {

void check_usage(const std::vector<std::string>& args, const std::string& message) {
  CAPTURE(args);
  const auto r = run_cli(args);
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "graflowctl: error: " + message + "\n");
}

} // namespace

TEST_CASE("unknown commands and flags name the word and suggest the nearest, like kubectl") {
  check_usage({"rendr"}, "unknown command \"rendr\" for \"graflowctl\"; did you mean \"render\"? (see 'graflowctl --help')");
  check_usage({"queue", "dpeth"}, "unknown command \"dpeth\" for \"graflowctl queue\"; did you mean \"depth\"? "
                                  "(see 'graflowctl queue --help')");
  check_usage({"adapter", "instal"}, "unknown command \"instal\" for \"graflowctl adapter\"; did you mean \"install\"? "
                                     "(see 'graflowctl adapter --help')");
  check_usage({"frobnicate"}, "unknown command \"frobnicate\" for \"graflowctl\" (see 'graflowctl --help')");
  check_usage({"render", "--out-dri", "x"}, "unknown flag \"--out-dri\" for \"graflowctl render\"; did you mean "
                                            "\"--out-dir\"? (see 'graflowctl render --help')");
  check_usage({"queue", "depth", "--wacth"}, "unknown flag \"--wacth\" for \"graflowctl queue depth\"; did you mean "
                                             "\"--watch\"? (see 'graflowctl queue depth --help')");
  check_usage({"--kubeconfgi=x", "status"}, "unknown flag \"--kubeconfgi\" for \"graflowctl status\"; did you mean "
                                            "\"--kubeconfig\"? (see 'graflowctl status --help')");
  check_usage({"render", "prod"}, "unexpected argument \"prod\" for \"graflowctl render\" (see 'graflowctl render --help')");
  // The hidden command is never suggested.
  check_usage({"__complet"}, "unknown command \"__complet\" for \"graflowctl\" (see 'graflowctl --help')");
}

TEST_CASE("missing commands and values, in one line") {
  check_usage({}, "\"graflowctl\" needs a command: profiles, render, queue, adapter, deploy, scale, status, exporter, "
                  "doctor, simulate, completion (see 'graflowctl --help')");
  check_usage({"queue"}, "\"graflowctl queue\" needs a command: depth (see 'graflowctl queue --help')");
  check_usage({"render", "--profile"}, "--profile needs a value (see 'graflowctl render --help')");
  check_usage({"completion"}, "\"graflowctl completion\" needs SHELL (see 'graflowctl completion --help')");
}

TEST_CASE("values out of range say the option, the value and the real limit") {
  // --emergency is parsed by graflowctl itself (never clamped), one message for every bad value.
  for (const std::string& n : {std::string("-1"), std::string("2147483648"), std::string("99999999999999999999"),
                               std::string("5x")}) {
    check_usage({"scale", "--emergency", n},
                "--emergency must be a whole number from 0 to 2147483647 (the API's limit), got \"" + n + "\"");
  }
  check_usage({"adapter", "values", "--prometheus-port", "70000"},
              "--prometheus-port: 70000 is out of range: it must be from 1 to 65535 (a TCP port) "
              "(see 'graflowctl adapter values --help')");
  check_usage({"simulate", "--per-worker-rate", "0"},
              "--per-worker-rate: 0 must be greater than zero (see 'graflowctl simulate --help')");
  check_usage({"simulate", "--tolerance", "lots"},
              "--tolerance: \"lots\" is not a valid value (see 'graflowctl simulate --help')");
  check_usage({"render", "-p", "prod", "--set", "maxReplicas=2147483647"},
              "--set maxReplicas: must be from 1 to 1000000, not 2147483647");
  check_usage({"render", "-p", "prod", "--set", "minReplicas=99999999999999999999"},
              "--set minReplicas: must be from 1 to 1000000, not 99999999999999999999");
}

TEST_CASE("choices: the value, the list and the nearest") {
  check_usage({"-o", "jsn", "status"},
              "--output: \"jsn\" is not one of text, json or yaml; did you mean \"json\"? (see 'graflowctl status --help')");
  check_usage({"completion", "zsh2"}, "SHELL: \"zsh2\" is not one of bash, zsh or fish; did you mean \"zsh\"? "
                                      "(see 'graflowctl completion --help')");
}

TEST_CASE("options that would do nothing are errors") {
  check_usage({"render", "-p", "prod", "-o", "json"}, "render prints YAML manifests: -o json is not supported");
  check_usage({"-o", "json", "adapter", "values"}, "adapter values prints helm values (YAML): -o json is not supported");
  check_usage({"-o", "yaml", "deploy", "-p", "prod"}, "deploy prints what it applied as text: -o yaml is not supported");
  check_usage({"-o", "json", "scale", "--reattach"}, "scale prints what it does as text: -o json is not supported");
  check_usage({"-o", "json", "exporter"}, "exporter prints its log as text: -o json is not supported");
  check_usage({"-o", "json", "completion", "bash"}, "completion prints a shell script: -o json is not supported");
  check_usage({"queue", "depth", "--interval", "5s"}, "--interval only works with --watch");
  check_usage({"deploy", "-p", "prod", "--timeout", "1m"}, "--timeout only works with --wait");
  check_usage({"scale", "--emergency", "3", "--timeout", "1m"}, "--timeout only works with --wait");
  check_usage({"render", "-p", "prod", "--out-dir", ""}, "--out-dir: must not be empty (see 'graflowctl render --help')");
  check_usage({"doctor", "--prometheus-url", "http://p:9090", "--prometheus-service", "monitoring/prometheus:9090"},
              "give --prometheus-url or --prometheus-service, not both");
}

TEST_CASE("the same value is checked the same way on the command line, in the environment and in the config") {
  const std::string prefix_rule = "is not a valid key prefix: it is also a Kubernetes label value, so at most 63 "
                                  "letters, digits, '-', '_' and '.', starting and ending with a letter or digit";
  check_usage({"--key-prefix", "", "queue", "depth"},
              "--key-prefix: \"\" " + prefix_rule + " (see 'graflowctl queue depth --help')");
  check_usage({"--key-prefix", "a\nb", "queue", "depth"},
              "--key-prefix: must not contain a newline, tab or other control character (see 'graflowctl queue depth --help')");
  check_usage({"queue", "depth", "--key-prefix", "a b"},
              "--key-prefix: \"a b\" " + prefix_rule + " (see 'graflowctl queue depth --help')");
  check_usage({"exporter", "--key-prefix", "x:"},
              "--key-prefix: must not end with ':' (it would change the YAML structure) (see 'graflowctl exporter --help')");
  check_usage({"-n", "Bad NS", "status"},
              "--namespace: \"Bad NS\" is not a valid name: a DNS-1123 label has at most 63 lower-case letters, digits "
              "and '-', starting and ending with a letter or digit (see 'graflowctl status --help')");
  check_usage({"adapter", "install", "--namespace", "Monitoring"},
              "--namespace: \"Monitoring\" is not a valid name: a DNS-1123 label has at most 63 lower-case letters, "
              "digits and '-', starting and ending with a letter or digit (see 'graflowctl adapter install --help')");

  CmdEnv c;
  c.env.set("KEY_PREFIX", "a\nb");
  const auto r = c.run({"queue", "depth"});
  CHECK(r.code == 2);
  CHECK(r.err == "graflowctl: error: $KEY_PREFIX: must not contain a newline, tab or other control character\n");

  TempDir dir;
  write_text(dir / "bool.yaml", "profiles:\n  prod:\n    exporter:\n      serviceMonitor: \"true\"\n");
  check_usage({"--config", (dir / "bool.yaml").string(), "profiles"},
              (dir / "bool.yaml").string() +
                  ":4: profiles.prod.exporter.serviceMonitor: must be true or false, not the string \"true\"");
  write_text(dir / "url.yaml", "profiles:\n  dev:\n    minReplicas: 1\n  staging:\n    extends: prod\n"
                               "    redis:\n      url: redis://:S3cret@redis:99999/0\n");
  // Found when the config loads, for a profile the command does not even use.
  check_usage({"--config", (dir / "url.yaml").string(), "render", "-p", "dev"},
              (dir / "url.yaml").string() +
                  ":7: profiles.staging.redis.url: invalid Redis URL \"redis://:***@redis:99999/0\": the port must be a "
                  "number from 1 to 65535");
}

TEST_CASE("untrusted text is escaped and cut before it reaches the terminal") {
  TempDir dir;
  // An unknown key is quoted in the error as the file spells it.
  write_text(dir / "ansi.yaml", "profiles:\n  prod:\n    \"\\e[31mred\\e[0m\": 1\n");
  const auto r = run_cli({"--config", (dir / "ansi.yaml").string(), "render", "-p", "prod"});
  CHECK(r.code == 2);
  CHECK(r.err.find('\x1b') == std::string::npos);
  CHECK(r.err.find("\\x1b[31mred") != std::string::npos);
  CHECK(r.err.find('\n') == r.err.size() - 1);

  const auto long_value = run_cli({"render", "-p", "prod", "--set", "worker.image=" + std::string(5000, 'A') + "!"});
  CHECK(long_value.code == 2);
  CHECK(long_value.err.size() < 300);
  CHECK(long_value.err.find("…") != std::string::npos);

  const auto long_word = run_cli({std::string(3000, 'x')});
  CHECK(long_word.code == 2);
  CHECK(long_word.err.size() < 300);
}
