// core/process: real programs (sh scripts), their output, exit codes, start failures and
// timeouts that kill the whole process group.
#include "graflow/core/process.hpp"
#include "harness.hpp"

#include <csignal>
#include <doctest/doctest.h>
#include <fstream>
#include <sys/wait.h>
#include <thread>

using namespace graflow;
using graflow::testing::read_text;
using graflow::testing::TempDir;
using graflow::testing::write_text;
using namespace std::chrono_literals;

namespace {
// Running, not merely a zombie waiting to be reaped (a container's PID 1 may never reap).
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

// Waits (up to 3 s) for `pid` to be gone: a killed process's parent reaps it a moment later.
bool gone_soon(pid_t pid) {
  for (int i = 0; i < 300 && alive(pid); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  return !alive(pid);
}
} // namespace

TEST_CASE("run captures stdout and stderr and the exit code, with extra environment") {
  process::Options o;
  o.env = {{"GREETING", "first"}, {"GREETING", "hello"}};
  const auto r = process::run({"/bin/sh", "-c", "echo \"$GREETING\"; echo oops >&2; read x; echo \"[$x]\"; exit 3"}, o);
  CHECK(r.exit_code == 3);
  CHECK(r.out == "hello\n[]\n"); // stdin is /dev/null
  CHECK(r.err == "oops\n");
  CHECK_FALSE(r.timed_out);
}

TEST_CASE("run streams to callbacks and looks argv[0] up in PATH") {
  std::string out;
  std::string err;
  process::Options o;
  o.on_stdout = [&](std::string_view s) { out += s; };
  o.on_stderr = [&](std::string_view s) { err += s; };
  MapEnv env;
  env.set("PATH", "/nonexistent:/bin:/usr/bin");
  o.lookup_env = &env;
  const auto r = process::run({"sh", "-c", "printf a; printf b >&2; kill -TERM $$"}, o);
  CHECK(r.exit_code == 128 + SIGTERM);
  CHECK(out == "a");
  CHECK(err == "b");
  CHECK(r.out.empty());
}

TEST_CASE("run keeps at most capture_limit bytes") {
  process::Options o;
  o.capture_limit = 1000;
  const auto r = process::run({"/bin/sh", "-c", "head -c 100000 /dev/zero"}, o);
  CHECK(r.exit_code == 0);
  CHECK(r.out.size() == 1000);
}

TEST_CASE("a program that cannot start is a StartError with errno") {
  TempDir dir;
  try {
    process::run({(dir / "missing").string()});
    FAIL("no error");
  } catch (const process::StartError& e) {
    CHECK(e.error() == ENOENT);
    CHECK(std::string(e.what()) == "cannot run " + (dir / "missing").string() + ": no such file");
  }
  write_text(dir / "plain", "not executable");
  try {
    process::run({(dir / "plain").string()});
    FAIL("no error");
  } catch (const process::StartError& e) {
    CHECK(e.error() == EACCES);
  }
  MapEnv empty_path;
  empty_path.set("PATH", "/nonexistent");
  process::Options o;
  o.lookup_env = &empty_path;
  try {
    process::run({"graflow-no-such-tool"}, o);
    FAIL("no error");
  } catch (const process::StartError& e) {
    CHECK(e.error() == ENOENT);
    CHECK(std::string(e.what()) == "cannot run graflow-no-such-tool: not found in PATH");
  }
}

TEST_CASE("a timeout kills the program and what it started, on time") {
  TempDir dir;
  // The script starts a grandchild that also sleeps; both must die with the group.
  write_text(dir / "hang.sh", "#!/bin/sh\nsleep 30 &\necho $! > \"$1/grandchild\"\necho started\nsleep 30\n");
  std::filesystem::permissions(dir / "hang.sh", std::filesystem::perms::owner_all);
  process::Options o;
  o.timeout = 300ms;
  const auto started = std::chrono::steady_clock::now();
  const auto r = process::run({(dir / "hang.sh").string(), dir.path().string()}, o);
  const auto took = std::chrono::steady_clock::now() - started;
  CHECK(r.timed_out);
  CHECK(r.exit_code == 128 + SIGKILL);
  CHECK(r.out == "started\n");
  CHECK(took >= 300ms);
  CHECK(took < 2s);
  CHECK(gone_soon(std::stoi(read_text(dir / "grandchild"))));
}

TEST_CASE("the program does not outlive the process that started it") {
  TempDir dir;
  // `exec sleep`: the pid written is the process that got PR_SET_PDEATHSIG.
  write_text(dir / "hang.sh", "#!/bin/sh\necho $$ > \"$1/pid.tmp\"\nmv \"$1/pid.tmp\" \"$1/pid\"\nexec sleep 30\n");
  std::filesystem::permissions(dir / "hang.sh", std::filesystem::perms::owner_all);
  const pid_t runner = fork();
  REQUIRE(runner >= 0);
  if (runner == 0) {
    try {
      process::run({(dir / "hang.sh").string(), dir.path().string()});
    } catch (...) {
    }
    _exit(0);
  }
  for (int i = 0; i < 500 && !std::filesystem::exists(dir / "pid"); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  REQUIRE(std::filesystem::exists(dir / "pid"));
  const pid_t program = std::stoi(read_text(dir / "pid"));
  CHECK(alive(program));
  ::kill(runner, SIGKILL); // as when graflowctl is killed: no clean-up code runs
  int status = 0;
  waitpid(runner, &status, 0);
  CHECK(gone_soon(program));
}
