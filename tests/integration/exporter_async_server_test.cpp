// HttpServer::serve_async, the seam the exporter's scrapes go through: a handler on the
// event-loop thread that answers at once or later from any thread, in-process over real
// loopback sockets.
#include "exporter_process.hpp"
#include "graflow/net/impl/impl.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <doctest/doctest.h>
#include <future>
#include <mutex>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace graflow::testing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using graflow::net::Respond;
using graflow::net::ServerRequest;
using graflow::net::ServerResponse;

namespace {

ServerResponse body(std::string text) {
  ServerResponse r;
  r.body = std::move(text);
  return r;
}

// A server on 127.0.0.1:0 serving an asynchronous handler on a thread until stop().
class Running {
public:
  explicit Running(graflow::net::AsyncHandler handler, graflow::net::ServerLimits limits = {})
      : server_(graflow::net::make_http_server(limits)) {
    server_->bind("127.0.0.1", 0);
    serving_ = std::async(std::launch::async, [this, h = std::move(handler)] { server_->serve_async(h); });
    wait_for_port(server_->port());
  }
  ~Running() { (void)stop(); }
  Running(const Running&) = delete;
  Running& operator=(const Running&) = delete;
  [[nodiscard]] std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + path;
  }
  [[nodiscard]] int port() const { return server_->port(); }
  // Stops, returns how long serve() took to return, and destroys the server.
  Clock::duration stop() {
    if (!server_) {
      return {};
    }
    const auto start = Clock::now();
    server_->stop();
    serving_.wait();
    const auto took = Clock::now() - start;
    server_.reset();
    return took;
  }

private:
  std::unique_ptr<graflow::net::HttpServer> server_;
  std::future<void> serving_;
};

// Responds kept by a handler, to answer from the test.
struct Kept {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<Respond> responds;
  void keep(Respond r) {
    std::lock_guard lock(mutex);
    responds.push_back(std::move(r));
    changed.notify_all();
  }
  Respond wait_one() {
    std::unique_lock lock(mutex);
    REQUIRE(changed.wait_for(lock, 5s, [&] { return !responds.empty(); }));
    Respond r = std::move(responds.front());
    responds.erase(responds.begin());
    return r;
  }
};

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

} // namespace

TEST_CASE("serve_async: the handler runs on the loop thread and answers at once or later from another thread") {
  std::mutex mutex;
  std::vector<std::thread::id> handler_threads;
  std::vector<std::thread> answering;
  Running running([&](const ServerRequest& request, Respond respond) {
    std::lock_guard lock(mutex);
    handler_threads.push_back(std::this_thread::get_id());
    if (request.path == "/now") {
      respond(body("now"));
      return;
    }
    answering.emplace_back([respond = std::move(respond)] {
      std::this_thread::sleep_for(100ms);
      respond(body("later"));
    });
  });
  auto client = graflow::net::make_curl_client({});
  CHECK(http(*client, running.url("/now")).body == "now");
  const auto start = Clock::now();
  const auto r = http(*client, running.url("/later"));
  CHECK(Clock::now() - start >= 90ms);
  CHECK(r.status == 200);
  CHECK(r.body == "later");
  CHECK(http(*client, running.url("/now")).body == "now"); // the same connection, kept alive
  running.stop();
  for (auto& t : answering) {
    t.join();
  }
  REQUIRE(handler_threads.size() == 3);
  CHECK(handler_threads[0] != std::this_thread::get_id());
  CHECK(handler_threads[1] == handler_threads[0]);
  CHECK(handler_threads[2] == handler_threads[0]);
}

TEST_CASE("serve_async: a second answer is ignored, none at all is a 500, a throw before answering is a 500") {
  Kept kept;
  Running running([&](const ServerRequest& request, Respond respond) {
    if (request.path == "/twice") {
      respond(body("first"));
      respond(body("second"));
    } else if (request.path == "/twice-later") {
      kept.keep(std::move(respond));
    } else if (request.path == "/throws") {
      throw std::runtime_error("secret detail");
    } // "/never": respond is dropped here, uncalled
  });
  auto client = graflow::net::make_curl_client({});
  CHECK(http(*client, running.url("/twice")).body == "first");
  auto later = std::async(std::launch::async, [&] { return http(running.url("/twice-later")); });
  Respond respond = kept.wait_one();
  std::thread a([respond] { respond(body("one")); });
  std::thread b([respond] { respond(body("one")); });
  a.join();
  b.join();
  respond(body("two"));
  CHECK(later.get().body == "one");
  const auto never = http(*client, running.url("/never"));
  CHECK(never.status == 500);
  CHECK(never.body == "500 internal server error\n");
  const auto throws = http(*client, running.url("/throws"));
  CHECK(throws.status == 500);
  CHECK(throws.body == "500 internal server error\n");
  CHECK(http(*client, running.url("/twice")).body == "first"); // the connection still serves
}

TEST_CASE("serve_async: 100 requests waiting at once are answered together from another thread") {
  Kept kept;
  Running running([&](const ServerRequest&, Respond respond) { kept.keep(std::move(respond)); });
  std::vector<std::future<graflow::net::HttpResponse>> clients;
  for (int i = 0; i < 100; ++i) {
    clients.push_back(std::async(std::launch::async, [&] { return http(running.url("/metrics")); }));
  }
  {
    std::unique_lock lock(kept.mutex);
    REQUIRE(kept.changed.wait_for(lock, 10s, [&] { return kept.responds.size() == 100; }));
  }
  std::thread answering([&] {
    for (auto& respond : kept.responds) {
      respond(body("shared"));
    }
  });
  answering.join();
  for (auto& c : clients) {
    CHECK(c.get().body == "shared");
  }
}

TEST_CASE("serve_async: an answer after the client left is harmless, and stop() does not wait for it") {
  Kept kept;
  Running running([&](const ServerRequest& request, Respond respond) {
    if (request.path == "/slow") {
      kept.keep(std::move(respond));
    } else {
      respond(body("fresh"));
    }
  });
  const int fd = connect_to(running.port());
  const std::string request = "GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  REQUIRE(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
  Respond respond = kept.wait_one();
  ::close(fd);
  std::this_thread::sleep_for(100ms);
  respond(body("too late"));
  CHECK(http(running.url("/fresh")).body == "fresh");
  CHECK(running.stop() < 1s);
}

TEST_CASE("serve_async: stop() drains a request answered later; past the drain limit an answer is dropped") {
  Kept kept;
  graflow::net::ServerLimits limits;
  limits.drain_limit = 300ms;
  Running running([&](const ServerRequest&, Respond respond) { kept.keep(std::move(respond)); }, limits);
  auto first = std::async(std::launch::async, [&] { return http(running.url("/a")); });
  Respond a = kept.wait_one();
  std::thread answering([a] {
    std::this_thread::sleep_for(150ms);
    a(body("drained"));
  });
  auto stopping = std::async(std::launch::async, [&] {
    std::this_thread::sleep_for(20ms); // after the answer is on its way, before it is sent
    return running.stop();
  });
  const auto r = first.get();
  answering.join();
  CHECK(r.status == 200);
  CHECK(r.body == "drained");
  CHECK(r.headers.at("connection") == "close");
  const auto took = stopping.get();
  CHECK(took >= 100ms);
  CHECK(took < 300ms);
}

TEST_CASE("serve_async: a Respond kept past the drain limit and called after the server is gone is dropped") {
  Kept kept;
  graflow::net::ServerLimits limits;
  limits.drain_limit = 200ms;
  auto running = std::make_unique<Running>([&](const ServerRequest&, Respond respond) { kept.keep(std::move(respond)); },
                                           limits);
  auto client = std::async(std::launch::async, [&] {
    try {
      return http(running->url("/held"), "GET", 5s).status;
    } catch (const graflow::Error&) {
      return 0; // the connection closed without an answer
    }
  });
  Respond held = kept.wait_one();
  const auto took = running->stop();
  CHECK(took >= 150ms);
  CHECK(took < 1s);
  running.reset();
  held(body("nobody is listening")); // the server is destroyed: nothing to touch
  CHECK(client.get() == 0);
}
