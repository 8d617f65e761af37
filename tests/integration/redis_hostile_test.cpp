// `graflowctl queue depth` against a server that misbehaves on purpose: trickles its reply,
// stalls, sends garbage, negative or absurd lengths, or error text full of escapes.
#include "harness.hpp"
#include "hostile_redis.hpp"

#include <csignal>
#include <doctest/doctest.h>
#include <thread>

using graflow::testing::graflowctl;
using graflow::testing::HostileRedis;
using Ms = std::chrono::milliseconds;

namespace {

std::string at(const HostileRedis& h) { return "127.0.0.1:" + std::to_string(h.port()); }

graflow::testing::Result depth(const HostileRedis& h, const std::string& timeout = "300ms") {
  return graflowctl({"queue", "depth", "--redis-timeout", timeout, "--redis-url", h.url()});
}

// What depth() prints when the reply is not RESP: `byte` is the first wrong type byte.
std::string not_resp(const HostileRedis& h, char byte) {
  return "graflowctl: error: Redis at " + at(h) +
         " sent something that is not a Redis reply while reading queue lengths: Protocol error, got \"" +
         std::string(1, byte) + "\" as reply type byte\n";
}

// What depth() prints when the whole reply is not in within `timeout`.
std::string timed_out(const HostileRedis& h, const std::string& timeout = "300ms") {
  return "graflowctl: error: Redis at " + at(h) + " did not answer reading queue lengths within " + timeout + "\n";
}

} // namespace

TEST_CASE("--redis-timeout bounds the whole reply, not each read") {
  // 12 bytes, one every 100 ms: every read gets a byte well within the timeout.
  HostileRedis trickle(":1234567890\r\n", Ms(100));
  const auto start = std::chrono::steady_clock::now();
  auto r = depth(trickle, "500ms");
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(r.code == 1);
  CHECK(r.err == timed_out(trickle, "500ms"));
  CHECK(took < Ms(1000));
  CHECK(trickle.requests() == 1);
}

TEST_CASE("a stalled server") {
  HostileRedis stall("");
  auto r = depth(stall);
  CHECK(r.code == 1);
  CHECK(r.err == timed_out(stall));
}

TEST_CASE("a negative or absurd length is an error, never a depth") {
  HostileRedis negative(":-5\r\n");
  auto r = depth(negative);
  CHECK(r.code == 1);
  CHECK(r.out.empty());
  CHECK(r.err == "graflowctl: error: Redis at " + at(negative) +
                     " answered LLEN graflow:queue with -5, which is not a queue length\n");

  HostileRedis huge(":9223372036854775807\r\n");
  auto h = depth(huge);
  CHECK(h.code == 1);
  CHECK(h.err == "graflowctl: error: Redis at " + at(huge) +
                     " answered LLEN graflow:queue with 9223372036854775807, which is not a queue length\n");

  HostileRedis text("$2\r\n12\r\n");
  auto t = depth(text);
  CHECK(t.code == 1);
  CHECK(t.err == "graflowctl: error: Redis at " + at(text) +
                     " answered LLEN graflow:queue with a bulk string, not an integer\n");
}

TEST_CASE("garbage that is not RESP") {
  HostileRedis http("HTTP/1.1 400 Bad Request\r\n\r\n");
  auto r = depth(http);
  CHECK(r.code == 1);
  CHECK(r.err == not_resp(http, 'H'));

  HostileRedis closes("+O");
  // The server sends half a reply and then nothing: bounded by the timeout as well.
  auto c = depth(closes);
  CHECK(c.code == 1);
  CHECK(c.err.find("did not answer reading queue lengths within 300ms") != std::string::npos);
}

TEST_CASE("garbage inside an array, or an array announcing two billion elements") {
  // The reply built so far is freed (ASan's leak check in the asan preset), one error line.
  HostileRedis inside("*3\r\n:1\r\n*2\r\n:2\r\n!x\r\n");
  auto r = depth(inside);
  CHECK(r.code == 1);
  CHECK(r.err == not_resp(inside, '!'));

  // Nothing is allocated for the announced size: the read ends at the timeout as any stall.
  HostileRedis huge("*2000000000\r\n:1\r\n:2\r\n");
  auto h = depth(huge);
  CHECK(h.code == 1);
  CHECK(h.err == timed_out(huge));
}

TEST_CASE("an error reply's control characters are escaped and its length cut") {
  const std::string ansi = "-ERR \x1b[31mred\x1b[0m\x07" + std::string(400, 'x') + "\r\n";
  HostileRedis hostile(ansi);
  auto r = depth(hostile);
  CHECK(r.code == 1);
  CHECK(r.err.find('\x1b') == std::string::npos);
  CHECK(r.err.find('\x07') == std::string::npos);
  const std::string expected_start = "graflowctl: error: Redis at " + at(hostile) +
                                     " failed LLEN graflow:queue: ERR \\x1b[31mred\\x1b[0m\\x07xxx";
  CHECK(r.err.rfind(expected_start, 0) == 0);
  CHECK(r.err.find("x…\n") != std::string::npos);
  CHECK(r.err.size() < 350);
}

TEST_CASE("Ctrl-C in --watch ends within 200 ms while a read is stalled, quietly, with 130") {
  HostileRedis stall("");
  graflow::testing::Process p({graflow::testing::graflowctl_binary(), "queue", "depth", "--watch", "--redis-timeout",
                               "30s", "--redis-url", stall.url()});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (stall.requests() == 0) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(Ms(5));
  }
  std::this_thread::sleep_for(Ms(100)); // well inside the read
  const auto sent = std::chrono::steady_clock::now();
  p.signal(SIGINT);
  const auto code = p.wait(std::chrono::seconds(5));
  const auto took = std::chrono::steady_clock::now() - sent;
  CHECK(code == 130);
  CHECK(took < Ms(200));
  CHECK(p.err().find("error: interrupted") == std::string::npos);
  CHECK(p.err().empty());
}
