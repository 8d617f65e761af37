// `graflowctl queue depth` over rediss:// against a real redis-server with TLS, with a CA
// and certificates made by openssl for each run: good, expired, wrong name, unknown CA,
// mTLS, passwords and ACL users over TLS.
#include "harness.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using graflow::testing::graflowctl;
using graflow::testing::RedisServer;
using graflow::testing::TestCa;
using nlohmann::json;

namespace {

const TestCa& ca() {
  static const TestCa instance;
  return instance;
}

std::string where(const RedisServer& r) { return "127.0.0.1:" + std::to_string(r.tls_port()); }

std::string handshake_error(const RedisServer& r, const std::string& why) {
  return "graflowctl: error: TLS handshake with Redis at " + where(r) + " failed: " + why + "\n";
}

std::vector<std::string> depth(const RedisServer& r, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"queue", "depth", "-o", "json", "--redis-url", r.tls_url()};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

} // namespace

TEST_CASE("a good certificate from --redis-ca-file: depth over TLS") {
  RedisServer redis(ca().redis(ca().server_cert()));
  redis.push("graflow:queue", 42);
  auto r = graflowctl(depth(redis, {"--redis-ca-file", ca().ca().string()}));
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  CHECK(json::parse(r.out)["queues"][0]["depth"] == 42);

  // The name checked can be set (and it is sent as SNI).
  auto named = graflowctl(depth(redis, {"--redis-ca-file", ca().ca().string(), "--redis-tls-server-name", "localhost"}));
  CHECK(named.code == 0);
  auto other = graflowctl(depth(redis, {"--redis-ca-file", ca().ca().string(), "--redis-tls-server-name", "db.example"}));
  CHECK(other.code == 1);
  CHECK(other.err == handshake_error(redis, "certificate name mismatch: the server's certificate is for localhost, "
                                            "127.0.0.1, not db.example (--redis-tls-server-name)"));
}

TEST_CASE("verification is on by default, against the system trust store") {
  RedisServer redis(ca().redis(ca().server_cert()));
  auto r = graflowctl(depth(redis));
  CHECK(r.code == 1);
  CHECK(r.out.empty());
  CHECK(r.err == handshake_error(redis, "the server's certificate is signed by an unknown CA (issuer /CN=graflow test "
                                        "ca, not in the system trust store; give --redis-ca-file)"));
}

TEST_CASE("an expired certificate") {
  RedisServer redis(ca().redis(ca().expired_cert()));
  auto r = graflowctl(depth(redis, {"--redis-ca-file", ca().ca().string()}));
  CHECK(r.code == 1);
  const std::string prefix = "graflowctl: error: TLS handshake with Redis at " + where(redis) +
                             " failed: the server's certificate (/CN=localhost) expired on ";
  CHECK(r.err.rfind(prefix, 0) == 0);
  CHECK(r.err.find(" GMT\n") == r.err.size() - 5);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

TEST_CASE("a certificate for another name") {
  RedisServer redis(ca().redis(ca().wrong_name_cert()));
  auto r = graflowctl(depth(redis, {"--redis-ca-file", ca().ca().string()}));
  CHECK(r.code == 1);
  CHECK(r.err == handshake_error(redis, "certificate name mismatch: the server's certificate is for wrong.example, not "
                                        "127.0.0.1 (--redis-tls-server-name sets the name to check)"));
  // ... which is fine once that is the name asked for.
  auto named =
      graflowctl(depth(redis, {"--redis-ca-file", ca().ca().string(), "--redis-tls-server-name", "wrong.example"}));
  CHECK(named.code == 0);
}

TEST_CASE("a certificate from an unknown CA, and --redis-insecure-skip-tls-verify") {
  RedisServer redis(ca().redis(ca().unknown_ca_cert()));
  redis.push("graflow:queue", 3);
  auto r = graflowctl(depth(redis, {"--redis-ca-file", ca().ca().string()}));
  CHECK(r.code == 1);
  CHECK(r.err == handshake_error(redis, "the server's certificate is signed by an unknown CA (issuer /CN=graflow test "
                                        "other-ca, not in --redis-ca-file " +
                                            ca().ca().string() + ")"));

  auto insecure = graflowctl(depth(redis, {"--redis-insecure-skip-tls-verify"}));
  REQUIRE(insecure.code == 0);
  CHECK(json::parse(insecure.out)["queues"][0]["depth"] == 3);
  CHECK(insecure.err == "graflowctl: warning: --redis-insecure-skip-tls-verify: the certificate of Redis at " +
                            where(redis) +
                            " is not verified, so anyone on the network path can read and change this connection\n");
}

TEST_CASE("mTLS: a server that requires a client certificate") {
  RedisServer redis(ca().redis(ca().server_cert(), "yes"));
  redis.push("graflow:queue", 8);
  auto none = graflowctl(depth(redis, {"--redis-ca-file", ca().ca().string()}));
  INFO(none.err);
  CHECK(none.code == 1);
  CHECK(none.out.empty());
  // TLS 1.3: the server's refusal arrives after the client's handshake, at the first read.
  CHECK(none.err.rfind("graflowctl: error: ", 0) == 0);
  CHECK(none.err.find(where(redis)) != std::string::npos);
  CHECK(none.err.find("client certificate (--redis-cert-file") != std::string::npos);
  CHECK(std::count(none.err.begin(), none.err.end(), '\n') == 1);

  auto with = graflowctl(depth(redis, {"--redis-ca-file", ca().ca().string(), "--redis-cert-file",
                                       ca().client_cert().string(), "--redis-key-file", ca().client_key().string()}));
  REQUIRE(with.code == 0);
  CHECK(json::parse(with.out)["queues"][0]["depth"] == 8);

  // A client certificate the server's CA did not sign.
  auto wrong = graflowctl(depth(redis, {"--redis-ca-file", ca().ca().string(), "--redis-cert-file",
                                        ca().unknown_ca_cert().string(), "--redis-key-file",
                                        ca().server_key().string()}));
  INFO(wrong.err);
  CHECK(wrong.code == 1);
  CHECK(wrong.err.find("Redis at " + where(redis)) != std::string::npos);
  CHECK(wrong.err.find("client certificate") != std::string::npos);
}

TEST_CASE("a password and an ACL user over TLS; the password from a file") {
  graflow::testing::RedisOptions o = ca().redis(ca().server_cert());
  o.requirepass = "tls-admin-pw";
  o.acl_user = "worker";
  o.acl_password = "tls-worker-pw";
  RedisServer redis(o);
  redis.push("graflow:queue", 5);
  const std::string cafile = ca().ca().string();
  auto ok = graflowctl(depth(redis, {"--redis-ca-file", cafile}));
  REQUIRE(ok.code == 0);
  CHECK(json::parse(ok.out)["queues"][0]["depth"] == 5);

  const std::string base = "rediss://worker:tls-worker-pw@" + where(redis);
  auto acl = graflowctl({"queue", "depth", "-o", "json", "--redis-url", base, "--redis-ca-file", cafile});
  REQUIRE(acl.code == 0);
  CHECK(json::parse(acl.out)["queues"][0]["depth"] == 5);

  graflow::testing::TempDir dir;
  graflow::testing::write_text(dir / "admin", "tls-admin-pw\n");
  graflow::testing::write_text(dir / "worker", "tls-worker-pw\n");
  auto file = graflowctl({"queue", "depth", "-o", "json", "--redis-url", "rediss://" + where(redis),
                          "--redis-password-file", (dir / "admin").string(), "--redis-ca-file", cafile});
  REQUIRE(file.code == 0);
  CHECK(json::parse(file.out)["queues"][0]["depth"] == 5);
  auto user_file = graflowctl({"queue", "depth", "-o", "json", "--redis-url", "rediss://worker:@" + where(redis),
                               "--redis-password-file", (dir / "worker").string(), "--redis-ca-file", cafile});
  REQUIRE(user_file.code == 0);
  CHECK(json::parse(user_file.out)["queues"][0]["depth"] == 5);
  auto env = graflowctl({"queue", "depth", "-o", "json", "--redis-url", "rediss://" + where(redis), "--redis-ca-file",
                         cafile},
                        graflow::testing::env({"GRAFLOW_REDIS_PASSWORD=tls-admin-pw"}));
  REQUIRE(env.code == 0);
  CHECK(json::parse(env.out)["queues"][0]["depth"] == 5);

  auto bad = graflowctl({"queue", "depth", "--redis-url", "rediss://worker:nope@" + where(redis), "--redis-ca-file",
                         cafile});
  CHECK(bad.code == 1);
  CHECK(bad.err == "graflowctl: error: Redis at " + where(redis) +
                       " rejected the credentials of user \"worker\": WRONGPASS invalid username-password pair or user "
                       "is disabled.\n");
}

TEST_CASE("TLS to a plaintext Redis, and TLS flags without rediss://") {
  RedisServer plain;
  auto r = graflowctl({"queue", "depth", "--redis-timeout", "300ms", "--redis-url",
                       "rediss://127.0.0.1:" + std::to_string(plain.port())});
  CHECK(r.code == 1);
  CHECK(r.err == "graflowctl: error: TLS handshake with Redis at 127.0.0.1:" + std::to_string(plain.port()) +
                     " did not finish within 300ms: the server sent nothing back (a plaintext Redis? use redis://)\n");

  auto flag = graflowctl({"queue", "depth", "--redis-url", plain.url(), "--redis-ca-file", "/nonexistent"});
  CHECK(flag.code == 2);
  CHECK(flag.err == "graflowctl: error: --redis-ca-file needs a rediss:// URL (the Redis URL from --redis-url is not "
                    "TLS)\n");
  auto half = graflowctl({"queue", "depth", "--redis-url", "rediss://127.0.0.1:1", "--redis-cert-file", "/x"});
  CHECK(half.code == 2);
  CHECK(half.err == "graflowctl: error: --redis-cert-file and --redis-key-file go together\n");
  auto missing = graflowctl({"queue", "depth", "--redis-url", "rediss://127.0.0.1:" + std::to_string(plain.port()),
                             "--redis-ca-file", "/nonexistent/ca.pem"});
  CHECK(missing.code == 2);
  CHECK(missing.err == "graflowctl: error: cannot read --redis-ca-file /nonexistent/ca.pem: No such file or directory\n");
}

TEST_CASE("OpenSSL is loaded only for rediss://: without graflowctl-tls.so, TLS fails in one line") {
  // graflowctl itself links no OpenSSL (ldd): the session is in graflowctl-tls.so, beside it.
  const graflow::testing::TempDir bin;
  const auto lone = bin.path() / "graflowctl";
  std::filesystem::copy_file(graflow::testing::graflowctl_binary(), lone);
  RedisServer redis(ca().redis(ca().server_cert()));
  redis.push("graflow:queue", 7);

  // Plaintext needs no module at all.
  const auto plain = graflow::testing::run({lone.string(), "queue", "depth", "-o", "json", "--redis-url", redis.url()});
  REQUIRE(plain.code == 0);
  CHECK(json::parse(plain.out)["queues"][0]["depth"] == 7);

  std::vector<std::string> argv = depth(redis, {"--redis-ca-file", ca().ca().string()});
  argv.insert(argv.begin(), lone.string());
  const auto tls = graflow::testing::run(argv);
  CHECK(tls.code == 1);
  CHECK(tls.out.empty());
  CHECK(tls.err == "graflowctl: error: cannot load graflowctl-tls.so, which rediss:// needs (not found); reinstall "
                   "graflowctl or set GRAFLOW_TLS_MODULE\n");

  // The variable names the module (an installed one elsewhere, say).
  const auto named = graflow::testing::run(
      argv, graflow::testing::env({"GRAFLOW_TLS_MODULE=" +
                                   (std::filesystem::path(graflow::testing::graflowctl_binary()).parent_path() / "graflowctl-tls.so").string()}));
  CHECK(named.code == 0);
  CHECK(json::parse(named.out)["queues"][0]["depth"] == 7);
}
