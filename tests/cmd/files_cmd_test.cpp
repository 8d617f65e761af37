// Files a user names on the command line (--config, --kubeconfig) that graflowctl cannot
// use: one clear line naming the file and the cause, exit 2.
#include "cli_runner.hpp"
#include "harness.hpp"

#include <doctest/doctest.h>

using graflow::testing::run_cli;
using graflow::testing::TempDir;
using graflow::testing::write_text;

namespace {

void check_usage_error(const std::vector<std::string>& args, const std::string& message) {
  CAPTURE(args);
  const auto r = run_cli(args);
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "graflowctl: error: " + message + "\n");
}

std::string kubeconfig(const TempDir& dir, const std::string& server, const std::string& ns) {
  write_text(dir / "kubeconfig", "current-context: a\nclusters:\n- name: c\n  cluster: {server: '" + server +
                                     "'}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: a\n"
                                     "  context: {cluster: c, user: u, namespace: '" + ns + "'}\n");
  return (dir / "kubeconfig").string();
}

} // namespace

TEST_CASE("--config that cannot be read: too large, a directory, duplicate keys, two documents") {
  TempDir dir;
  check_usage_error({"--config", "/dev/zero", "profiles"}, "cannot read config file /dev/zero: it is larger than 16 MiB");
  check_usage_error({"--config", dir.path().string(), "profiles"},
                    "cannot read config file " + dir.path().string() + ": it is a directory");
  write_text(dir / "dup.yaml", "profiles:\n  prod:\n    minReplicas: 3\n    minReplicas: 4\n");
  check_usage_error({"--config", (dir / "dup.yaml").string(), "profiles"},
                    (dir / "dup.yaml").string() + ":4: invalid YAML: duplicate key \"minReplicas\" (first at line 3)");
  write_text(dir / "two.yaml", "defaultProfile: prod\n---\ndefaultProfile: dev\n");
  check_usage_error({"--config", (dir / "two.yaml").string(), "profiles"},
                    (dir / "two.yaml").string() +
                        ":3: invalid YAML: a second YAML document (after ---): the file must hold exactly one");
}

TEST_CASE("a kubeconfig with a malformed server URL or namespace: exit 2 before any request") {
  TempDir dir;
  const std::string bad_server = kubeconfig(dir, "https://k.example:port", "ops");
  check_usage_error({"--kubeconfig", bad_server, "scale", "--reattach", "--backup-dir", (dir / "b").string()},
                    "cluster \"c\" in " + bad_server +
                        ": server \"https://k.example:port\" is not a valid URL: port \"port\" is not a number from 1 "
                        "to 65535");
  const std::string bad_ns = kubeconfig(dir, "https://127.0.0.1:1", "Bad NS");
  check_usage_error({"--kubeconfig", bad_ns, "scale", "--reattach", "--backup-dir", (dir / "b").string()},
                    "context \"a\" in " + bad_ns +
                        ": namespace \"Bad NS\" is not a valid namespace name (a DNS-1123 label: at most 63 lower-case "
                        "letters, digits and '-', starting and ending with a letter or digit)");
  check_usage_error({"--kubeconfig", "/dev/zero", "scale", "--reattach", "--backup-dir", (dir / "b").string()},
                    "cannot read kubeconfig /dev/zero: it is larger than 16 MiB");
}
