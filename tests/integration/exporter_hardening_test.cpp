// `graflowctl exporter` at its edges: --listen validation, absolute-form request targets,
// OPTIONS *, a scrape cut by SIGTERM, SIGHUP. Real process, real redis-server.
#include "exporter_process.hpp"
#include "harness.hpp"

#include <arpa/inet.h>
#include <csignal>
#include <doctest/doctest.h>
#include <future>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace graflow::testing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// Sends `request` as is on a new connection and returns everything the server sent until
// it closed the connection (the requests ask for Connection: close).
std::string raw_exchange(int port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      break;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

} // namespace

TEST_CASE("--listen: only numeric addresses and real ports; exit 2 with one line") {
  const std::string form = "; expected ADDR:PORT such as 0.0.0.0:8000, 127.0.0.1:8000 or :8000\n";
  struct Case {
    const char* listen;
    std::string why;
  };
  for (const Case& c : {Case{"999.1.1.1:8000", "\"999.1.1.1\" is not a numeric IPv4 address"},
                        Case{"1.2.3:8000", "\"1.2.3\" is not a numeric IPv4 address"},
                        Case{":99999", "the port must be a number from 0 to 65535"},
                        Case{"garbage", "no port"},
                        Case{"garbage:8000", "\"garbage\" is not a numeric IPv4 address"}}) {
    CAPTURE(c.listen);
    const auto r = graflowctl({"exporter", "--listen", c.listen, "--redis-url", "redis://127.0.0.1:1"});
    CHECK(r.code == 2);
    CHECK(r.err == "graflowctl: error: invalid --listen \"" + std::string(c.listen) + "\": " + c.why + form);
    CHECK(r.out.empty());
  }
}

TEST_CASE("an absolute-form request target is served like its path") {
  RedisServer redis;
  redis.push("graflow:queue", 5);
  ExporterProcess exporter({"--redis-url", redis.url()});
  const std::string reply = raw_exchange(
      exporter.port(), "GET http://" + exporter.target() + "/metrics HTTP/1.1\r\nHost: " + exporter.target() +
                           "\r\nConnection: close\r\n\r\n");
  CHECK(starts_with(reply, "HTTP/1.1 200 OK\r\n"));
  CHECK(reply.find("\ngraflow_queue_depth{key_prefix=\"graflow\"} 5\n") != std::string::npos);
  // Any host name in the target: the exporter serves one site, it is not a proxy.
  const std::string other = raw_exchange(
      exporter.port(), "GET http://elsewhere.example/healthz HTTP/1.1\r\nHost: elsewhere.example\r\n"
                       "Connection: close\r\n\r\n");
  CHECK(starts_with(other, "HTTP/1.1 200 OK\r\n"));
  const std::string missing = raw_exchange(
      exporter.port(), "GET http://" + exporter.target() + "/nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(starts_with(missing, "HTTP/1.1 404 "));
}

TEST_CASE("OPTIONS * answers 200 with Allow; * with another method is a 400") {
  RedisServer redis;
  ExporterProcess exporter({"--redis-url", redis.url()});
  const std::string options =
      raw_exchange(exporter.port(), "OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  CHECK(starts_with(options, "HTTP/1.1 200 OK\r\n"));
  CHECK(options.find("\r\nAllow: GET, HEAD\r\n") != std::string::npos);
  CHECK(options.find("\r\nContent-Length: 0\r\n") != std::string::npos);
  const std::string get = raw_exchange(exporter.port(), "GET * HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  CHECK(starts_with(get, "HTTP/1.1 400 "));
  CHECK(http(exporter.url("/healthz")).status == 200); // and it keeps serving
}

TEST_CASE("a scrape cut by SIGTERM reports the time it waited, not the scrape timeout") {
  RedisServer redis;
  ExporterProcess exporter({"--redis-url", redis.url(), "--scrape-timeout", "10s"});
  REQUIRE(http(exporter.url("/metrics")).status == 200);
  ::kill(redis.pid(), SIGSTOP); // the next scrape waits for Redis
  auto scrape = std::async(std::launch::async, [&] { return http(exporter.url("/metrics")); });
  std::this_thread::sleep_for(300ms);
  exporter.process().signal(SIGTERM);
  const auto code = exporter.process().wait(3s);
  const auto r = scrape.get();
  ::kill(redis.pid(), SIGCONT);
  REQUIRE(code.has_value());
  CHECK(*code == 0);
  REQUIRE(r.status == 200);
  CHECK(sample_lines(r.body, "graflow_redis_up") == std::vector<std::string>{"graflow_redis_up 0"});
  const auto lines = sample_lines(r.body, "graflow_exporter_scrape_duration_seconds");
  REQUIRE(lines.size() == 1);
  const double seconds = std::stod(lines[0].substr(lines[0].find(' ') + 1));
  CHECK(seconds >= 0.25); // it did wait from before the signal...
  CHECK(seconds < 1.5);   // ...until the stop, not for the 10 s timeout
}

TEST_CASE("SIGHUP is logged and changes nothing: the exporter keeps serving, SIGTERM still stops it") {
  RedisServer redis;
  redis.push("graflow:queue", 3);
  ExporterProcess exporter({"--redis-url", redis.url()});
  REQUIRE(http(exporter.url("/metrics")).status == 200);
  exporter.process().signal(SIGHUP);
  const auto deadline = Clock::now() + 2s;
  while (exporter.process().err().find("SIGHUP") == std::string::npos && Clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  CHECK(exporter.process().err().find(
            "graflowctl: SIGHUP: nothing to reload (the exporter has no configuration file); still serving\n") !=
        std::string::npos);
  CHECK(exporter.process().running());
  const auto r = http(exporter.url("/metrics"));
  CHECK(r.status == 200);
  CHECK(sample_lines(r.body, "graflow_queue_depth") ==
        std::vector<std::string>{R"(graflow_queue_depth{key_prefix="graflow"} 3)"});
  exporter.process().signal(SIGTERM);
  const auto code = exporter.process().wait(2s);
  REQUIRE(code.has_value());
  CHECK(*code == 0);
}
