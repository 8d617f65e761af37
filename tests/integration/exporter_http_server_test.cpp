// The HttpServer behind the exporter (libevent's evhttp), in-process over real loopback sockets:
// graceful stop (idle keep-alive connections, in-flight requests), HEAD, errors.
#include "exporter_process.hpp"
#include "graflow/core/error.hpp"
#include "graflow/net/impl/impl.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <doctest/doctest.h>
#include <future>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace graflow::testing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using graflow::net::ServerRequest;
using graflow::net::ServerResponse;

namespace {

// A server on 127.0.0.1:0 serving `handler` on a thread until stop().
class Running {
public:
  explicit Running(graflow::net::Handler handler, graflow::net::ServerLimits limits = {})
      : server_(graflow::net::make_http_server(limits)) {
    server_->bind("127.0.0.1", 0);
    serving_ = std::async(std::launch::async, [this, h = std::move(handler)] { server_->serve(h); });
    wait_for_port(server_->port());
  }
  ~Running() {
    server_->stop();
    serving_.wait();
  }
  std::string url(const std::string &path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + path;
  }
  // Stops and returns how long serve() took to return.
  Clock::duration stop() {
    const auto start = Clock::now();
    server_->stop();
    serving_.wait();
    return Clock::now() - start;
  }
  graflow::net::HttpServer& server() { return *server_; }

private:
  std::unique_ptr<graflow::net::HttpServer> server_;
  std::future<void> serving_;
};

// A raw loopback connection (the tests send bytes curl would not).
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

// True once the server has closed `fd` (EOF or reset), waiting at most `wait`.
bool closed_by_server(int fd, Clock::duration wait) {
  const auto until = Clock::now() + wait;
  while (Clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10) == 1) {
      char buf[256];
      const auto n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN)) {
        return true;
      }
    }
  }
  return false;
}

ServerResponse echo(const ServerRequest& request) {
  ServerResponse r;
  r.body = request.method + " " + request.path;
  return r;
}

} // namespace

TEST_CASE("requests reach the handler with method and path; HEAD gets headers only") {
  Running running(echo);
  auto client = graflow::net::make_curl_client({});
  auto r = http(*client, running.url("/a/b?x=1"));
  CHECK(r.status == 200);
  CHECK(r.body == "GET /a/b");
  CHECK(r.headers.at("content-type") == "text/plain; charset=utf-8");
  r = http(*client, running.url("/a"), "HEAD");
  CHECK(r.status == 200);
  CHECK(r.body.empty());
  CHECK(r.headers.at("content-length") == "7"); // the length of "HEAD /a", which is not sent
  r = http(*client, running.url("/x"), "DELETE");
  CHECK(r.body == "DELETE /x");
}

TEST_CASE("stop() with idle keep-alive connections returns at once") {
  Running running(echo);
  std::vector<std::unique_ptr<graflow::net::HttpClient>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(graflow::net::make_curl_client({}));
    REQUIRE(http(*clients.back(), running.url("/")).status == 200); // each keeps its connection
  }
  CHECK(running.stop() < 300ms);
}

TEST_CASE("stop() lets a request being handled finish, and refuses new connections") {
  std::atomic<bool> entered{false};
  Running running([&](const ServerRequest&) {
    entered = true;
    std::this_thread::sleep_for(300ms);
    ServerResponse r;
    r.body = "finished";
    return r;
  });
  auto in_flight = std::async(std::launch::async, [&] { return http(running.url("/slow")); });
  while (!entered) {
    std::this_thread::sleep_for(1ms);
  }
  const auto took = running.stop();
  CHECK(took >= 200ms);
  CHECK(took < 1s);
  const auto r = in_flight.get();
  CHECK(r.status == 200);
  CHECK(r.body == "finished");
  CHECK_THROWS_WITH_AS(http(running.url("/")), doctest::Contains("connection refused"), graflow::Error);
}

TEST_CASE("stop() before serve() makes serve() return at once") {
  auto server = graflow::net::make_http_server();
  server->bind("127.0.0.1", 0);
  server->stop();
  const auto start = Clock::now();
  server->serve(echo);
  CHECK(Clock::now() - start < 100ms);
}

TEST_CASE("a server bound but never served is destroyed at once, on any bound address") {
  for (const std::string host : {"127.0.0.1", "0.0.0.0", "127.0.0.2"}) {
    CAPTURE(host);
    auto server = graflow::net::make_http_server();
    server->bind(host, 0);
    CHECK(server->port() > 0);
    const auto start = Clock::now();
    server.reset();
    CHECK(Clock::now() - start < 300ms);
  }
}

TEST_CASE("IPv6: it binds ::1 (where the machine has IPv6), and a non-numeric host is a failure Error") {
  auto server = graflow::net::make_http_server();
  try {
    server->bind("::1", 0);
    CHECK(server->port() > 0);
  } catch (const graflow::Error& e) {
    CHECK(std::string(e.what()).find("cannot listen on [::1]:0: ") == 0); // no IPv6 on this machine
  }
  auto other = graflow::net::make_http_server();
  CHECK_THROWS_WITH_AS(other->bind("not-an-address", 8000), "cannot listen on not-an-address:8000: not a numeric IP address",
                       graflow::Error);
}

TEST_CASE("a request that arrives before serve() waits; stopped without serving, it gets a 503") {
  auto server = graflow::net::make_http_server();
  server->bind("127.0.0.1", 0);
  const std::string url = "http://127.0.0.1:" + std::to_string(server->port()) + "/metrics";
  auto waiting = std::async(std::launch::async, [&] { return http(url); });
  CHECK(waiting.wait_for(200ms) == std::future_status::timeout); // held until a handler or a stop
  server->stop();
  const auto r = waiting.get();
  CHECK(r.status == 503);
  CHECK(r.body == "503 service unavailable\n");
}

TEST_CASE("a handler that throws gives a 500 without the exception text") {
  Running running([](const ServerRequest&) -> ServerResponse { throw std::runtime_error("secret detail"); });
  const auto r = http(running.url("/"));
  CHECK(r.status == 500);
  CHECK(r.body == "500 internal server error\n");
  CHECK(r.headers.count("exception_what") == 0);
}

TEST_CASE("binding a taken port is a failure Error naming the address") {
  Running running(echo);
  auto other = graflow::net::make_http_server();
  const int port = std::stoi(running.url("").substr(std::string("http://127.0.0.1:").size()));
  CHECK_THROWS_WITH_AS(other->bind("127.0.0.1", port),
                       ("cannot listen on 127.0.0.1:" + std::to_string(port) + ": address already in use")
                           .c_str(),
                       graflow::Error);
}

TEST_CASE("many concurrent clients, each with its own connections") {
  std::atomic<int> handled{0};
  Running running([&](const ServerRequest& request) {
    ++handled;
    return echo(request);
  });
  std::vector<std::future<int>> clients;
  for (int c = 0; c < 12; ++c) {
    clients.push_back(std::async(std::launch::async, [&] {
      auto client = graflow::net::make_curl_client({});
      int ok = 0;
      for (int i = 0; i < 50; ++i) {
        ok += http(*client, running.url("/n")).status == 200 ? 1 : 0;
      }
      return ok;
    }));
  }
  int ok = 0;
  for (auto& f : clients) {
    ok += f.get();
  }
  CHECK(ok == 600);
  CHECK(handled == 600);
}

TEST_CASE("a request that trickles in is cut at the request deadline; idle and slow-to-answer ones are not") {
  std::atomic<bool> slow_handler{false};
  Running running(
      [&](const ServerRequest& request) {
        if (request.path == "/slow") {
          slow_handler = true;
          std::this_thread::sleep_for(1500ms); // longer than the deadline: answering is not arriving
        }
        return echo(request);
      },
      graflow::net::ServerLimits{std::chrono::milliseconds(1000)});
  const int port = running.server().port();

  // One header byte every 100 ms: evhttp's inactivity timeout never fires, the deadline does.
  const int loris = connect_to(port);
  const int idle = connect_to(port); // sends nothing: only the (15 s) inactivity timeout applies
  const std::string trickle = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
  const auto start = Clock::now();
  bool cut = false;
  for (std::size_t at = 0; at < trickle.size() && !cut; ++at) {
    (void)::send(loris, &trickle[at], 1, MSG_NOSIGNAL);
    cut = closed_by_server(loris, 100ms);
  }
  const auto took = Clock::now() - start;
  CHECK(cut);
  CHECK(took >= 950ms);
  CHECK(took < 1600ms); // the deadline plus the sweep period, with room for a loaded machine
  // A fresh request meanwhile and after is answered at once.
  CHECK(http(running.url("/fresh")).body == "GET /fresh");
  CHECK_FALSE(closed_by_server(idle, 10ms));

  // A whole request whose handler takes longer than the deadline is answered.
  const auto r = http(running.url("/slow"));
  CHECK(slow_handler);
  CHECK(r.status == 200);
  CHECK(r.body == "GET /slow");
  CHECK_FALSE(closed_by_server(idle, 10ms));
  ::close(loris);
  ::close(idle);
}
