// Output is whole or the command fails (DESIGN.md §10): the real binary with stdout on
// /dev/full, with stdout closed, and on a full tmpfs. Each must end with one
// "graflowctl: error: writing to stdout: <cause>" line and exit 1 — never exit 0 with a
// short file. Real redis-server and the fake API server where a command needs them.
#include "apiserver/fake_apiserver.hpp"
#include "harness.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <map>
#include <sys/mount.h>
#include <unistd.h>

using graflow::testing::graflowctl_binary;
using graflow::testing::RedisServer;
using graflow::testing::Result;
using graflow::testing::TempDir;

namespace {

const std::string k_empty = std::string(TEST_DATA_DIR) + "/empty.yaml";
const std::string k_depth = std::string(TEST_DATA_DIR) + "/simulate/depth.csv";

// graflowctl ARGS with stdout redirected by `redirect` (a shell redirection: ">/dev/full",
// ">&-", ">FILE"), through bash so the redirection is exactly what a user types.
Result run_redirected(const std::vector<std::string>& args, const std::string& redirect,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  std::vector<std::string> argv = {"bash", "-c", "exec \"$0\" \"$@\" " + redirect, graflowctl_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return graflow::testing::run(argv, {}, timeout);
}

// The commands that print, each with what it needs. (`scale` is below, on the fake API server.)
std::vector<std::vector<std::string>> printing_commands(const RedisServer& redis) {
  return {
      {"--config", k_empty, "render", "-p", "prod"},
      {"--config", k_empty, "profiles", "show", "prod"},
      {"--config", k_empty, "profiles"},
      {"--config", k_empty, "profiles", "show", "prod", "-o", "json"},
      {"--config", k_empty, "adapter", "values"},
      {"completion", "bash"},
      {"completion", "zsh"},
      {"--config", k_empty, "queue", "depth", "--redis-url", redis.url()},
      {"--config", k_empty, "simulate", "-p", "prod", "--depth-trace", k_depth, "--no-chart"},
      {"--help"},
      {"--version"},
      {"render", "--help"},
  };
}

void check_write_error(const Result& r, const std::string& cause) {
  CHECK(r.code == 1);
  CHECK(r.err == "graflowctl: error: writing to stdout: " + cause + "\n");
}

// Mounts a tmpfs of `size` at `dir` for the test's lifetime (root only: false otherwise).
class SmallTmpfs {
public:
  SmallTmpfs(const std::filesystem::path& dir, const std::string& size) : dir_(dir) {
    mounted_ = mount("tmpfs", dir.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
  }
  ~SmallTmpfs() {
    if (mounted_) {
      umount2(dir_.c_str(), MNT_DETACH);
    }
  }
  SmallTmpfs(const SmallTmpfs&) = delete;
  SmallTmpfs& operator=(const SmallTmpfs&) = delete;
  [[nodiscard]] bool mounted() const { return mounted_; }

private:
  std::filesystem::path dir_;
  bool mounted_ = false;
};

} // namespace

TEST_CASE("every printing command fails with one line and exit 1 on /dev/full and on a closed stdout") {
  RedisServer redis;
  redis.push("graflow:queue", 7);
  for (const auto& args : printing_commands(redis)) {
    CAPTURE(args);
    // The same command succeeds with a working stdout: the failure below is the write.
    const auto ok = run_redirected(args, ">/dev/null");
    REQUIRE_MESSAGE(ok.code == 0, ok.err);
    check_write_error(run_redirected(args, ">/dev/full"), "No space left on device");
    check_write_error(run_redirected(args, ">&-"), "Bad file descriptor");
  }
}

TEST_CASE("queue depth --watch ends at the first lost write instead of running on") {
  RedisServer redis;
  const auto start = std::chrono::steady_clock::now();
  const auto r = run_redirected({"--config", k_empty, "queue", "depth", "--watch", "--interval", "100ms",
                                 "--redis-url", redis.url()},
                                ">/dev/full", std::chrono::seconds(10));
  check_write_error(r, "No space left on device");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("scale --emergency with stdout on /dev/full changes nothing on the cluster") {
  graflow::testing::FakeApiServer api;
  TempDir state;
  const std::vector<std::string> common = {"--kubeconfig", api.kubeconfig_path().string(), "-n", "work",
                                           "--request-timeout", "2s"};
  auto deploy = common;
  deploy.insert(deploy.end(), {"deploy", "-p", "prod"});
  REQUIRE(graflow::testing::graflowctl(deploy).code == 0);
  const std::string hpa = "/apis/autoscaling/v2/namespaces/work/horizontalpodautoscalers/graflow-worker-hpa";
  const auto before = api.get_object(hpa).value();
  auto scale = common;
  scale.insert(scale.end(), {"scale", "--emergency", "9", "-p", "prod", "--backup-dir", (state.path() / "b").string()});
  check_write_error(run_redirected(scale, ">/dev/full"), "No space left on device");
  const auto after = api.get_object(hpa);
  REQUIRE(after.has_value());
  CHECK((*after)["metadata"]["uid"] == before["metadata"]["uid"]);
  const auto dep = api.get_object("/apis/apps/v1/namespaces/work/deployments/graflow-worker").value();
  CHECK_FALSE(dep["metadata"].value("annotations", nlohmann::json::object()).contains("graflow.io/detached-hpa"));
}

// A real full disk: a 64 KiB tmpfs. Needs root (mount); elsewhere /dev/full above covers
// the same write path, and this case says it was skipped.
TEST_CASE("a full disk: render > file and render --out-dir fail, and --out-dir keeps the previous set") {
  TempDir dir;
  const auto mnt = dir.path() / "small";
  std::filesystem::create_directories(mnt);
  SmallTmpfs fs(mnt, "64k");
  if (!fs.mounted()) {
    MESSAGE("not root: cannot mount a tmpfs; the full-disk case is covered by /dev/full only");
    return;
  }
  // Fill the disk (dd stops at ENOSPC).
  const auto filler = mnt / "filler";
  graflow::testing::run({"dd", "if=/dev/zero", "of=" + filler.string(), "bs=1024", "count=1000"});

  const auto out_file = mnt / "manifests.yaml";
  const auto r = run_redirected({"--config", k_empty, "render", "-p", "prod"}, ">" + out_file.string());
  check_write_error(r, "No space left on device");

  // The previous set, written while there was room, stays as it was.
  std::filesystem::remove(filler);
  const auto out_dir = mnt / "out";
  const auto first = graflow::testing::graflowctl({"--config", k_empty, "render", "-p", "dev", "--out-dir",
                                                   out_dir.string()});
  REQUIRE_MESSAGE(first.code == 0, first.err);
  std::map<std::string, std::string> previous;
  for (const auto& e : std::filesystem::directory_iterator(out_dir)) {
    previous[e.path().filename().string()] = graflow::testing::read_text(e.path());
  }
  REQUIRE(previous.size() >= 3);
  graflow::testing::run({"dd", "if=/dev/zero", "of=" + filler.string(), "bs=1024", "count=1000"});
  const auto second = graflow::testing::graflowctl({"--config", k_empty, "render", "-p", "prod", "--set",
                                                    "maxReplicas=77", "--out-dir", out_dir.string()});
  CHECK(second.code == 1);
  CHECK(second.err.rfind("graflowctl: error: cannot write " + out_dir.string() + "/", 0) == 0);
  CHECK(second.err.find("No space left on device") != std::string::npos);
  CHECK(second.out.empty());
  std::map<std::string, std::string> now;
  for (const auto& e : std::filesystem::directory_iterator(out_dir)) {
    now[e.path().filename().string()] = graflow::testing::read_text(e.path());
  }
  CHECK(now == previous); // same names (no temporary left) and same contents
}
