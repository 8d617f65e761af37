// The container image, built and run: scripts/image.sh builds the Dockerfile with buildah
// (the install tree of this build directory, in the slim runtime stage), and the exporter
// runs from the image, as the image's user 65532, against a real redis-server with TLS;
// /metrics is scraped from the host. Skipped (ctest: Skipped, exit 77) only when buildah
// cannot run here at all; scripts/install-deps.sh --test installs it for CI.
#include "exporter_process.hpp"
#include "harness.hpp"

#include <csignal>
#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <unistd.h>

using namespace graflow::testing;
using namespace std::chrono_literals;

namespace {

const std::string image_sh = GRAFLOW_SOURCE_DIR "/scripts/image.sh";

// buildah can work here: installed, and root (vfs storage and chroot isolation need no
// more), or a user namespace for a non-root user.
std::string why_buildah_cannot_work() {
  try {
    if (run({"buildah", "--version"}).code != 0) {
      return "buildah --version fails";
    }
  } catch (const std::exception&) { // the harness cannot spawn it: not on PATH
    return "buildah is not installed (scripts/install-deps.sh --test installs it)";
  }
  if (geteuid() != 0 && run({"buildah", "unshare", "true"}).code != 0) {
    return "not root and buildah cannot make a user namespace here";
  }
  // Extracting a layer (vfs storage), buildah makes / private in a new mount namespace
  // (MS_REC | MS_PRIVATE), which fails where / is not a mount point: a chroot, such as the
  // fresh-Debian check's. `unshare --mount` makes the same call.
  if (geteuid() == 0 && run({"unshare", "--mount", "true"}).code != 0) {
    return "/ is not a mount point here (a chroot?): buildah cannot extract image layers";
  }
  return "";
}

std::string last_line(const std::string& text) {
  auto end = text.find_last_not_of('\n');
  auto start = text.rfind('\n', end);
  return text.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1) + 1);
}

// The process whose command line is exactly `argv` (the exporter inside the container is
// a host process too: chroot isolation), or -1.
pid_t find_process(const std::vector<std::string>& argv) {
  std::string want;
  for (const auto& a : argv) {
    want += a;
    want.push_back('\0');
  }
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::stringstream cmdline;
    cmdline << in.rdbuf();
    if (cmdline.str() == want) {
      return static_cast<pid_t>(std::stoi(name));
    }
  }
  return -1;
}

// "Uid:" of /proc/PID/status: real, effective, saved, filesystem.
std::string uids(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Uid:", 0) == 0) {
      std::istringstream fields(line.substr(4));
      std::string out;
      std::string uid;
      while (fields >> uid) {
        out += (out.empty() ? "" : " ") + uid;
      }
      return out;
    }
  }
  return "";
}

} // namespace

TEST_CASE("the image runs the exporter as uid 65532 against a TLS Redis, scraped from the host") {
  if (const auto why = why_buildah_cannot_work(); !why.empty()) {
    std::cerr << "image_test: SKIPPED: " << why << "\n";
    std::exit(77); // ctest's SKIP_RETURN_CODE for this test
  }

  // Build (or refresh: the layer cache keeps the runtime stage) the image from this build's
  // install tree. Cold, the Debian bases come from debootstrap first (a few minutes).
  const auto build = run({"bash", image_sh, "build", "--build-dir", GRAFLOW_BUILD_DIR}, {}, 20min);
  INFO(build.err);
  REQUIRE(build.code == 0);
  const std::string image = last_line(build.out);
  CHECK(image.rfind("localhost/graflowctl:", 0) == 0);

  TestCa ca;
  RedisServer redis(ca.redis(ca.server_cert()));
  redis.push("imagetest:queue", 17);

  const int port = free_port();
  const std::string listen = "127.0.0.1:" + std::to_string(port);
  const std::vector<std::string> exporter_args = {"exporter", "--listen", listen, "--redis-url", redis.tls_url(),
                                                  "--redis-ca-file", "/etc/graflowctl/redis-ca.crt", "--key-prefix",
                                                  "imagetest"};
  std::vector<std::string> argv = {"bash", image_sh, "run", "-v", ca.ca().string() + ":/etc/graflowctl/redis-ca.crt:ro",
                                   "--"};
  argv.insert(argv.end(), exporter_args.begin(), exporter_args.end());
  Process container(argv);
  try {
    wait_for_port(port, 90s);
  } catch (const std::exception&) {
    FAIL("the exporter in the image did not start: " << container.err());
  }

  // The process is the image's binary, run as the image's USER (not root).
  std::vector<std::string> in_image = {"/opt/graflowctl/bin/graflowctl"};
  in_image.insert(in_image.end(), exporter_args.begin(), exporter_args.end());
  const pid_t pid = find_process(in_image);
  REQUIRE(pid > 0);
  CHECK(uids(pid) == "65532 65532 65532 65532");
  const auto exe = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/exe").string();
  CHECK(exe != graflowctl_binary());
  CHECK(exe.find("/opt/graflowctl/bin/graflowctl") != std::string::npos);

  const auto url = "http://" + listen + "/metrics";
  auto page = http(url);
  CHECK(page.status == 200);
  CHECK(sample_lines(page.body, "graflow_queue_depth") ==
        std::vector<std::string>{R"(graflow_queue_depth{key_prefix="imagetest"} 17)"});
  CHECK(sample_lines(page.body, "graflow_redis_up") == std::vector<std::string>{"graflow_redis_up 1"});
  CHECK(sample_lines(page.body, "graflow_build_info") ==
        std::vector<std::string>{"graflow_build_info{version=\"" GRAFLOW_VERSION "\"} 1"});

  // Every scrape reads Redis again.
  redis.push("imagetest:queue", 4);
  page = http(url);
  CHECK(sample_lines(page.body, "graflow_queue_depth") ==
        std::vector<std::string>{R"(graflow_queue_depth{key_prefix="imagetest"} 21)"});

  // SIGTERM to the container run (what the kubelet sends) reaches the exporter, which stops
  // cleanly: exit 0 through buildah, and the process is gone.
  container.signal(SIGTERM);
  const auto code = container.wait(30s);
  INFO(container.err());
  REQUIRE(code.has_value());
  CHECK(*code == 0);
  CHECK(container.err().find("graflowctl: exporter stopped") != std::string::npos);
  CHECK(kill(pid, 0) == -1);

  // The image's trust store does not know the test CA: without --redis-ca-file, the same
  // error line as on the host and exit 1 (buildah adds its own report of the status after it).
  const auto untrusted =
      run({"bash", image_sh, "run", "--", "queue", "depth", "--redis-url", redis.tls_url()}, {}, 90s);
  CHECK(untrusted.code == 1);
  CHECK(untrusted.out.empty());
  const std::string expected = "graflowctl: error: TLS handshake with Redis at 127.0.0.1:" +
                               std::to_string(redis.tls_port()) +
                               " failed: the server's certificate is signed by an unknown CA (issuer /CN=graflow test "
                               "ca, not in the system trust store; give --redis-ca-file)\n";
  CHECK(untrusted.err.substr(0, expected.size()) == expected);
}
