// graflowctl killed while an exec credential plugin runs: the plugin must not outlive it.
#include "harness.hpp"

#include <csignal>
#include <doctest/doctest.h>
#include <fstream>
#include <thread>

using namespace std::chrono_literals;
using graflow::testing::Process;
using graflow::testing::read_text;
using graflow::testing::TempDir;
using graflow::testing::write_text;

namespace {
// Running, not merely a zombie waiting to be reaped by PID 1.
bool alive(pid_t pid) {
  if (::kill(pid, 0) != 0) {
    return false;
  }
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto close = line.rfind(')');
  return close == std::string::npos || close + 2 >= line.size() || line[close + 2] != 'Z';
}
} // namespace

TEST_CASE("a hanging exec plugin dies with a killed graflowctl") {
  TempDir dir;
  write_text(dir / "plugin.sh", "#!/bin/sh\necho $$ > \"$PLUGIN_DIR/pid.tmp\"\nmv \"$PLUGIN_DIR/pid.tmp\" "
                                "\"$PLUGIN_DIR/pid\"\nexec sleep 60\n");
  std::filesystem::permissions(dir / "plugin.sh", std::filesystem::perms::owner_all);
  write_text(dir / "kubeconfig", "current-context: a\nclusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:1'}\n"
                                 "users:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
                                 "      command: ./plugin.sh\n      interactiveMode: Never\n      env:\n"
                                 "      - {name: PLUGIN_DIR, value: '" + dir.path().string() + "'}\n"
                                 "contexts:\n- name: a\n  context: {cluster: c, user: u}\n");
  Process p({graflow::testing::graflowctl_binary(), "--kubeconfig", (dir / "kubeconfig").string(), "scale",
             "--reattach", "--backup-dir", (dir / "backups").string()},
            graflow::testing::env({"XDG_CACHE_HOME=" + (dir / "cache").string()}));
  for (int i = 0; i < 1000 && !std::filesystem::exists(dir / "pid"); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  REQUIRE_MESSAGE(std::filesystem::exists(dir / "pid"), p.err());
  const pid_t plugin = std::stoi(read_text(dir / "pid"));
  CHECK(alive(plugin));
  p.signal(SIGKILL);
  CHECK(p.wait(5s) == 128 + SIGKILL);
  for (int i = 0; i < 300 && alive(plugin); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  CHECK_FALSE(alive(plugin));
}
