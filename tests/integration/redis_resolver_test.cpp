// A real DNS server that never answers: in a network and mount namespace of its own
// (unshare -rmn), /etc/resolv.conf names 127.0.0.1, where a UDP socket is bound and never
// read (perl-base's IO::Socket, kept open across exec). glibc's resolver would wait 30 s
// (options timeout:30); graflowctl must give up after --redis-timeout with one error line.
// Where the machine allows no user namespaces the test says so and checks nothing.
#include "harness.hpp"

#include <doctest/doctest.h>

using namespace graflow::testing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST_CASE("a hostname whose DNS server never answers: --redis-timeout bounds the lookup") {
  if (run({"unshare", "-rmn", "true"}).code != 0) {
    MESSAGE("unshare -rmn is not allowed here: the bound is checked by the unit test's hanging resolver only");
    return;
  }
  TempDir dir;
  write_text(dir / "resolv.conf", "nameserver 127.0.0.1\noptions timeout:30 attempts:2\n");
  write_text(dir / "silent-dns.pl", "use IO::Socket::INET;\n"
                                    "$^F = 100; # the socket stays open across exec\n"
                                    "my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1:53', Proto => 'udp')\n"
                                    "  or die \"bind: $!\";\n"
                                    "exec @ARGV or die \"exec: $!\";\n");
  const std::string script =
      "ip link set lo up && mount --bind \"$0\" /etc/resolv.conf && exec perl \"$@\"";
  const auto in_namespace = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {"unshare", "-rmn", "sh", "-c", script, (dir / "resolv.conf").string(),
                                     (dir / "silent-dns.pl").string(), graflowctl_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, {}, 90s);
  };

  // The namespace works as meant: an IP address needs no DNS and is refused at once.
  const auto control = in_namespace({"queue", "depth", "--redis-url", "redis://127.0.0.1:1"});
  REQUIRE_MESSAGE(control.err == "graflowctl: error: cannot reach Redis at 127.0.0.1:1: connection refused\n",
                  control.err);

  const auto start = Clock::now();
  const auto r = in_namespace({"queue", "depth", "--redis-url", "redis://redis.hang.test:6379", "--redis-timeout", "700ms"});
  const auto took = Clock::now() - start;
  CHECK(r.code == 1);
  CHECK(r.err == "graflowctl: error: cannot reach Redis at redis.hang.test:6379: resolving redis.hang.test timed out "
                 "after 700ms\n");
  CHECK(took >= 700ms);
  CHECK_MESSAGE(took < 5s, std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
  MESSAGE("the hanging lookup ended after " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                                            << " ms (glibc alone: 60 s)");
}
