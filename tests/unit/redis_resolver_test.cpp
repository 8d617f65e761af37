// resolve_bounded: name resolution under a deadline, with resolvers that hang, fail or are
// cancelled (injected at the seam: a real DNS server that hangs is in
// integration/redis_resolver_test, where the machine allows a network namespace).
#include "graflow/redis/resolver.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <condition_variable>
#include <doctest/doctest.h>
#include <mutex>
#include <netinet/in.h>
#include <thread>
#include <unistd.h>

namespace redis = graflow::redis;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// A resolver that blocks until released, then answers 127.0.0.1 (a real list to free).
struct Hang {
  std::mutex mu;
  std::condition_variable cv;
  bool released = false;
  std::atomic<int> calls{0};
  std::atomic<bool> returned{false};

  redis::ResolveFn fn() {
    return [this](const char*, const char* service, const addrinfo* hints, addrinfo** out) {
      ++calls;
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return released; });
      lock.unlock(); // nothing of this object is touched after `returned`
      const int rc = ::getaddrinfo("127.0.0.1", service, hints, out);
      returned = true;
      return rc;
    };
  }
  void release() {
    {
      const std::lock_guard<std::mutex> lock(mu);
      released = true;
    }
    cv.notify_all();
  }
};

} // namespace

TEST_CASE("an IP address is converted at once, without asking the resolver") {
  int calls = 0;
  const redis::ResolveFn counting = [&](const char* h, const char* s, const addrinfo* hints, addrinfo** out) {
    ++calls;
    return ::getaddrinfo(h, s, hints, out);
  };
  const auto r = redis::resolve_bounded("127.0.0.1", 6379, Clock::now() + 1s, -1, counting);
  REQUIRE(r.status == redis::Resolved::Status::ok);
  REQUIRE(r.list);
  CHECK(r.list->ai_family == AF_INET);
  CHECK(ntohs(reinterpret_cast<const sockaddr_in*>(r.list->ai_addr)->sin_port) == 6379);
  CHECK(redis::resolve_bounded("::1", 1, Clock::now() + 1s, -1, counting).status == redis::Resolved::Status::ok);
  CHECK(calls == 0);
}

TEST_CASE("a name: looked up by the resolver, its answer or its failure") {
  const auto local = redis::resolve_bounded("localhost", 6380, Clock::now() + 5s, -1);
  REQUIRE(local.status == redis::Resolved::Status::ok);
  CHECK(local.list != nullptr);

  const redis::ResolveFn unknown = [](const char*, const char*, const addrinfo*, addrinfo**) { return EAI_NONAME; };
  const auto r = redis::resolve_bounded("redis.example", 6379, Clock::now() + 1s, -1, unknown);
  CHECK(r.status == redis::Resolved::Status::failed);
  CHECK(r.error == "name or service not known");
}

TEST_CASE("a resolver that hangs costs the deadline, no more; the abandoned lookup finishes by itself") {
  Hang hang;
  const auto start = Clock::now();
  const auto r = redis::resolve_bounded("redis.hang.test", 6379, start + 300ms, -1, hang.fn());
  const auto took = Clock::now() - start;
  CHECK(r.status == redis::Resolved::Status::timeout);
  CHECK(!r.list);
  CHECK(took >= 290ms);
  CHECK(took < 2s);
  CHECK(hang.calls == 1);
  // Released later, the lookup's thread frees its answer (ASan's leak check would see it otherwise).
  hang.release();
  for (int i = 0; i < 200 && !hang.returned; ++i) {
    std::this_thread::sleep_for(5ms);
  }
  CHECK(hang.returned);
  std::this_thread::sleep_for(20ms);
}

TEST_CASE("a lookup in progress ends at once when the cancel descriptor becomes readable") {
  Hang hang;
  int cancel[2];
  REQUIRE(::pipe(cancel) == 0);
  std::thread ctrl_c([&] {
    std::this_thread::sleep_for(100ms);
    [[maybe_unused]] const auto n = ::write(cancel[1], "x", 1);
  });
  const auto start = Clock::now();
  const auto r = redis::resolve_bounded("redis.hang.test", 6379, start + 10s, cancel[0], hang.fn());
  const auto took = Clock::now() - start;
  ctrl_c.join();
  CHECK(r.status == redis::Resolved::Status::cancelled);
  CHECK(took < 2s);
  hang.release();
  for (int i = 0; i < 200 && !hang.returned; ++i) {
    std::this_thread::sleep_for(5ms);
  }
  std::this_thread::sleep_for(20ms);
  ::close(cancel[0]);
  ::close(cancel[1]);
}
