// The exporter cannot be starved: with 1,000 idle TCP connections and 200 slow-header
// (slow-loris) connections held open against a running `graflowctl exporter` (real
// redis-server), a fresh client's GET /metrics still answers 200 within 50 ms, and the
// process stays below 16 MiB of RSS. The slow ones, which send a byte every 50 ms (so that
// no inactivity timeout fires), are then disconnected at the 10 s request deadline while
// the idle ones stay and /metrics stays fast.
#include "exporter_process.hpp"
#include "harness.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <algorithm>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <poll.h>
#include <sstream>
#include <sys/resource.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace graflow::testing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int idle_connections = 1000;
constexpr int slow_connections = 200;
// net::ServerLimits' default: the longest a request may take to arrive.
constexpr auto request_deadline = 10s;

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
  return fd;
}

// Sockets the process has open (its listening socket, Redis, and the clients it accepted).
int open_sockets(pid_t pid) {
  int n = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    const auto target = std::filesystem::read_symlink(entry.path(), ec);
    n += !ec && target.string().rfind("socket:", 0) == 0 ? 1 : 0;
  }
  return n;
}

// A field of /proc/PID/status in KiB ("VmRSS").
long status_kib(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      return std::stol(line.substr(field.size() + 1));
    }
  }
  return -1;
}

// The soft open-file limit of a process, from /proc/PID/limits.
std::string soft_nofile(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/limits");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Max open files", 0) == 0) {
      std::istringstream fields(line.substr(std::string("Max open files").size()));
      std::string soft;
      fields >> soft;
      return soft;
    }
  }
  return "";
}

void set_soft_nofile(rlim_t value) {
  rlimit limit{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &limit) == 0);
  limit.rlim_cur = std::min(value, limit.rlim_max);
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &limit) == 0);
}

} // namespace

TEST_CASE("1,000 idle and 200 slow-header connections: a fresh /metrics still answers within 50 ms") {
  rlimit limit{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &limit) == 0);
  REQUIRE_MESSAGE(limit.rlim_max >= 2048, "the hard open-file limit is too low for this test");
  RedisServer redis;
  redis.push("graflow:queue", 9);
  // The exporter starts with the usual soft limit of 1024 and must raise its own to the
  // hard limit: 1,200 connections would not fit otherwise. This process raises its own.
  set_soft_nofile(1024);
  ExporterProcess exporter({"--redis-url", redis.url()});
  set_soft_nofile(limit.rlim_max);
  const pid_t pid = exporter.process().pid();
  CHECK(soft_nofile(pid) == (limit.rlim_max == RLIM_INFINITY ? "unlimited" : std::to_string(limit.rlim_max)));

  std::vector<int> fds;
  for (int i = 0; i < idle_connections; ++i) {
    fds.push_back(connect_to(exporter.port()));
  }
  // Slow-loris: a request line and headers that never end, one byte at a time on each
  // connection, so that a server waiting for the headers would keep waiting.
  std::vector<int> slow;
  for (int i = 0; i < slow_connections; ++i) {
    slow.push_back(connect_to(exporter.port()));
  }
  const std::string trickle = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
  std::atomic<bool> done{false};
  const auto trickle_start = Clock::now();
  std::thread loris([&] {
    for (std::size_t at = 0; !done.load(); ++at) {
      const char byte = at < trickle.size() ? trickle[at] : 'x';
      for (const int fd : slow) {
        (void)::send(fd, &byte, 1, MSG_NOSIGNAL);
      }
      std::this_thread::sleep_for(50ms);
    }
  });

  // The exporter really holds them all (accepted, not just queued in the kernel's backlog).
  const int wanted = idle_connections + slow_connections;
  auto deadline = Clock::now() + 10s;
  while (open_sockets(pid) < wanted && Clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  CHECK(open_sockets(pid) >= wanted);

  // Fresh clients, each with a new connection, one after the other. On a shared CI runner
  // a single sample can lose the CPU for a scheduler tick or two, so the assertion is on
  // the 90th percentile (27th of 30) with the 50 ms bound, and on the worst at 4x that.
  std::vector<double> ms;
  for (int i = 0; i < 30; ++i) {
    const auto start = Clock::now();
    const auto r = http(exporter.url("/metrics"), "GET", 2s);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    REQUIRE(r.status == 200);
    CHECK(sample_lines(r.body, "graflow_queue_depth") ==
          std::vector<std::string>{R"(graflow_queue_depth{key_prefix="graflow"} 9)"});
  }
  std::sort(ms.begin(), ms.end());
  MESSAGE("fresh /metrics under load: median ", ms[15], " ms, p90 ", ms[26], " ms, max ", ms.back(), " ms");
  CHECK(ms[26] < 50.0);
  CHECK(ms.back() < 200.0);
  // Still held while it answered.
  CHECK(open_sockets(pid) >= wanted);

  const long rss_kib = status_kib(pid, "VmRSS");
  MESSAGE("exporter RSS with ", wanted, " connections: ", rss_kib, " KiB");
#if defined(__SANITIZE_ADDRESS__)
  // ASan's shadow memory and quarantine make RSS meaningless in the sanitizer build.
  CHECK(rss_kib > 0);
#else
  CHECK(rss_kib < 16 * 1024);
#endif

  // The slow ones are cut at the deadline, counted from their first byte; none before.
  std::vector<bool> cut(slow.size(), false);
  std::size_t n_cut = 0;
  auto first_cut = Clock::time_point::max();
  auto last_cut = Clock::time_point::min();
  while (n_cut < slow.size() && Clock::now() < trickle_start + request_deadline + 4s) {
    std::vector<pollfd> polled;
    for (std::size_t i = 0; i < slow.size(); ++i) {
      if (!cut[i]) {
        polled.push_back({slow[i], POLLIN, 0});
      }
    }
    if (::poll(polled.data(), polled.size(), 20) <= 0) {
      continue;
    }
    for (std::size_t i = 0, j = 0; i < slow.size(); ++i) {
      if (cut[i]) {
        continue;
      }
      const pollfd& p = polled[j++];
      char buf[256];
      if ((p.revents & (POLLIN | POLLHUP | POLLERR)) != 0 && ::recv(slow[i], buf, sizeof buf, MSG_DONTWAIT) <= 0) {
        cut[i] = true;
        ++n_cut;
        first_cut = std::min(first_cut, Clock::now());
        last_cut = std::max(last_cut, Clock::now());
      }
    }
  }
  CHECK(n_cut == slow.size());
  if (n_cut > 0) {
    const auto since_first_byte = [&](Clock::time_point t) {
      return std::chrono::duration<double, std::milli>(t - trickle_start).count();
    };
    MESSAGE("slow-header connections cut between ", since_first_byte(first_cut), " and ", since_first_byte(last_cut),
            " ms after their first byte");
    CHECK(first_cut >= trickle_start + request_deadline - 100ms);
    CHECK(last_cut < trickle_start + request_deadline + 2s); // the sweep period, and a loaded machine
  }
  // The idle ones are still held, and /metrics is as fast as before.
  CHECK(open_sockets(pid) >= idle_connections);
  std::vector<double> after;
  for (int i = 0; i < 10; ++i) {
    const auto start = Clock::now();
    REQUIRE(http(exporter.url("/metrics"), "GET", 2s).status == 200);
    after.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  std::sort(after.begin(), after.end());
  MESSAGE("fresh /metrics after the cut: median ", after[5], " ms, max ", after.back(), " ms");
  CHECK(after[8] < 50.0);

  done = true;
  loris.join();
  for (const int fd : fds) {
    ::close(fd);
  }
  for (const int fd : slow) {
    ::close(fd);
  }
  CHECK(exporter.process().running());
}
