// `graflowctl doctor` over rediss:// against a real redis-server with TLS and the harness's
// test CA: the Redis line names the mode (TLS, the negotiated version, the name the
// certificate was verified for) and every kind of failure gets its own hint.
#include "doctor_pipeline.hpp"
#include "hostile_redis.hpp"

#include <doctest/doctest.h>

using namespace graflow::testing;
using nlohmann::json;

namespace {

const TestCa& ca() {
  static const TestCa instance;
  return instance;
}

std::string where(const RedisServer& r) { return "127.0.0.1:" + std::to_string(r.tls_port()); }

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

// Only the Redis check matters here: the fake API server answers the Kubernetes checks
// (which then fail: nothing is deployed), so doctor exits 1 whatever Redis does.
struct RedisOnly {
  FakeApiServer api;
  TempDir state;

  Result doctor(const std::string& url, std::vector<std::string> flags) {
    std::vector<std::string> args = {"--kubeconfig", api.kubeconfig_path().string(), "-n", "work", "--redis-url", url,
                                     "--redis-timeout", "500ms", "--request-timeout", "3s"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {"doctor", "-p", "prod", "-o", "json", "--prometheus-url",
                             "http://127.0.0.1:" + std::to_string(free_port())});
    return graflowctl(args, env({"XDG_STATE_HOME=" + state.path().string()}));
  }
  // The redis check of a doctor run: {status, message, hint}.
  json redis_check(const std::string& url, std::vector<std::string> flags) {
    const Result r = doctor(url, std::move(flags));
    CHECK(r.code == 1);
    CHECK(r.err == "graflowctl: error: some checks failed\n");
    const json doc = json::parse(r.out);
    REQUIRE(doc["checks"][0]["name"] == "redis");
    return doc["checks"][0];
  }
};

const std::string k_ca_hint = "give the CA that signed the server's certificate with --redis-ca-file FILE (the "
                              "exporter: redis.tls.caSecret or redis.tls.caConfigMap)";
const std::string k_client_hint = "give a client certificate the server trusts with --redis-cert-file and "
                                  "--redis-key-file (the exporter: redis.tls.certSecret)";
const std::string k_password_hint = "give the password with --redis-password-file FILE or $GRAFLOW_REDIS_PASSWORD, "
                                    "and the ACL user in the URL (redis://USER@host); the exporter reads it from "
                                    "redis.passwordSecret";

} // namespace

TEST_CASE("doctor over TLS: a healthy pipeline says TLS, the version and the verified name") {
  PipelineRedis how{ca().redis(ca().server_cert()), true, {"--redis-ca-file", ca().ca().string()}};
  Pipeline p(how);
  const std::string tasks = ": graflow:queue holds 137 tasks\n";
  auto healthy = p.doctor();
  CHECK_MESSAGE(healthy.code == 0, healthy.out << healthy.err);
  CHECK(healthy.err.empty());
  // The URL's host is an IP address: the certificate's IP entry is what matched.
  CHECK(has(healthy.out, "✓ Redis " + where(p.redis) + " (TLS: TLSv1.3, certificate verified for 127.0.0.1)" + tasks));
  CHECK(has(healthy.out, "✓ exporter /metrics: graflow_queue_depth{key_prefix=\"graflow\"} 137"));
  CHECK_FALSE(has(healthy.out, "✗"));

  SUBCASE("the name checked is --redis-tls-server-name's") {
    const std::vector<std::string> flags = {"--redis-ca-file", ca().ca().string(), "--redis-tls-server-name",
                                            "localhost"};
    auto r = p.doctor({}, &flags);
    CHECK(r.code == 0);
    CHECK(has(r.out, "✓ Redis " + where(p.redis) + " (TLS: TLSv1.3, certificate verified for localhost)" + tasks));
  }
  SUBCASE("--redis-insecure-skip-tls-verify: a warning, not a failure") {
    const std::vector<std::string> flags = {"--redis-insecure-skip-tls-verify"};
    auto r = p.doctor({}, &flags);
    CHECK(r.code == 0);
    CHECK(has(r.out, "! Redis " + where(p.redis) + " (TLS: TLSv1.3, certificate NOT verified)" + tasks +
                         "  hint: --redis-insecure-skip-tls-verify accepts any certificate: give the server's CA "
                         "with --redis-ca-file instead\n"));
    CHECK(has(r.err, "graflowctl: warning: --redis-insecure-skip-tls-verify"));
  }
  SUBCASE("a wrong name fails the Redis check alone, with its hint") {
    const std::vector<std::string> flags = {"--redis-ca-file", ca().ca().string(), "--redis-tls-server-name",
                                            "db.example"};
    auto r = p.doctor({"-o", "json"}, &flags);
    CHECK(r.code == 1);
    const auto s = doctor_statuses(r);
    CHECK(s.at("redis") == "fail");
    CHECK(s.at("exporter-metrics") == "ok");
    CHECK(s.at("hpa-metric") == "warn"); // nothing to compare the HPA's number with
    const json redis = json::parse(r.out)["checks"][0];
    CHECK(redis["message"] == "TLS handshake with Redis at " + where(p.redis) +
                                  " failed: certificate name mismatch: the server's certificate is for localhost, "
                                  "127.0.0.1, not db.example (--redis-tls-server-name)");
    CHECK(redis["hint"] == "reach Redis by a name its certificate holds, or check that name with "
                           "--redis-tls-server-name NAME (the exporter: redis.tls.serverName)");
  }
}

TEST_CASE("doctor over TLS: the version is the one negotiated") {
  RedisOptions o = ca().redis(ca().server_cert());
  o.extra_args = {"--tls-protocols", "TLSv1.2"};
  RedisServer redis(o);
  redis.push("graflow:queue", 4);
  RedisOnly k;
  const json check = k.redis_check(redis.tls_url(), {"--redis-ca-file", ca().ca().string()});
  CHECK(check["status"] == "ok");
  CHECK(check["message"] == "Redis " + where(redis) +
                                " (TLS: TLSv1.2, certificate verified for 127.0.0.1): graflow:queue holds 4 tasks");
  CHECK(check["hint"] == "");
}

TEST_CASE("doctor over TLS: certificate failures, each with the setting that fixes it") {
  RedisOnly k;
  const std::string cafile = ca().ca().string();
  SUBCASE("expired") {
    RedisServer redis(ca().redis(ca().expired_cert()));
    const json c = k.redis_check(redis.tls_url(), {"--redis-ca-file", cafile});
    CHECK(c["status"] == "fail");
    CHECK(has(c["message"].get<std::string>(), "TLS handshake with Redis at " + where(redis) +
                                " failed: the server's certificate (/CN=localhost) expired on "));
    CHECK(c["hint"] == "the server's certificate has expired: renew it (--redis-insecure-skip-tls-verify only hides "
                       "this)");
  }
  SUBCASE("unknown CA: not in the system trust store, nor in the wrong --redis-ca-file") {
    RedisServer redis(ca().redis(ca().server_cert()));
    const json none = k.redis_check(redis.tls_url(), {});
    CHECK(none["message"] == "TLS handshake with Redis at " + where(redis) +
                                 " failed: the server's certificate is signed by an unknown CA (issuer /CN=graflow "
                                 "test ca, not in the system trust store; give --redis-ca-file)");
    CHECK(none["hint"] == k_ca_hint);
    RedisServer other(ca().redis(ca().unknown_ca_cert()));
    const json wrong = k.redis_check(other.tls_url(), {"--redis-ca-file", cafile});
    CHECK(has(wrong["message"].get<std::string>(), "signed by an unknown CA (issuer /CN=graflow test other-ca, not in --redis-ca-file"));
    CHECK(wrong["hint"] == k_ca_hint);
  }
  SUBCASE("name mismatch") {
    RedisServer redis(ca().redis(ca().wrong_name_cert()));
    const json c = k.redis_check(redis.tls_url(), {"--redis-ca-file", cafile});
    CHECK(c["message"] == "TLS handshake with Redis at " + where(redis) +
                              " failed: certificate name mismatch: the server's certificate is for wrong.example, not "
                              "127.0.0.1 (--redis-tls-server-name sets the name to check)");
    CHECK(has(c["hint"].get<std::string>(), "--redis-tls-server-name NAME (the exporter: redis.tls.serverName)"));
  }
  SUBCASE("mTLS: no client certificate, and one the server does not trust") {
    RedisServer redis(ca().redis(ca().server_cert(), "yes"));
    const json none = k.redis_check(redis.tls_url(), {"--redis-ca-file", cafile});
    CHECK(none["status"] == "fail");
    CHECK(has(none["message"].get<std::string>(), where(redis)));
    CHECK(has(none["message"].get<std::string>(), "client certificate (--redis-cert-file"));
    CHECK(none["hint"] == k_client_hint);
    const json wrong = k.redis_check(redis.tls_url(), {"--redis-ca-file", cafile, "--redis-cert-file",
                                                       ca().unknown_ca_cert().string(), "--redis-key-file",
                                                       ca().server_key().string()});
    CHECK(has(wrong["message"].get<std::string>(), "client certificate"));
    CHECK(wrong["hint"] == k_client_hint);
  }
  SUBCASE("a plaintext Redis behind a rediss:// URL") {
    RedisServer plain;
    const json c = k.redis_check("rediss://127.0.0.1:" + std::to_string(plain.port()), {});
    CHECK(has(c["message"].get<std::string>(), "the server sent nothing back (a plaintext Redis? use redis://)"));
    CHECK(c["hint"] == "that port serves plaintext Redis: use a redis:// URL, or the server's TLS port (tls-port)");
  }
}

TEST_CASE("doctor over TLS: credentials, refused connections and silence") {
  RedisOnly k;
  const std::string cafile = ca().ca().string();
  SUBCASE("WRONGPASS and NOAUTH point at the password file and the exporter's Secret") {
    RedisOptions o = ca().redis(ca().server_cert());
    o.requirepass = "doctor-admin-pw";
    RedisServer redis(o);
    const json wrong = k.redis_check("rediss://:nope@" + where(redis), {"--redis-ca-file", cafile});
    CHECK(wrong["message"] == "Redis at " + where(redis) +
                                  " rejected the credentials: WRONGPASS invalid username-password pair or user is "
                                  "disabled.");
    CHECK(wrong["hint"] == k_password_hint);
    const json none = k.redis_check("rediss://" + where(redis), {"--redis-ca-file", cafile});
    CHECK(has(none["message"].get<std::string>(), "Redis at " + where(redis) + " requires a password: NOAUTH"));
    CHECK(none["hint"] == k_password_hint);
    CHECK_FALSE(has(wrong.dump() + none.dump(), "doctor-admin-pw"));
  }
  SUBCASE("connection refused on the TLS port") {
    const int port = free_port();
    const json c = k.redis_check("rediss://127.0.0.1:" + std::to_string(port), {"--redis-ca-file", cafile});
    CHECK(c["message"] == "cannot reach Redis at 127.0.0.1:" + std::to_string(port) + ": connection refused");
    CHECK(c["hint"] == "nothing listens there: is Redis running, and is that its TLS port? Set it with --redis-url "
                       "(or $GRAFLOW_REDIS_URL)");
  }
  SUBCASE("a server that accepts and never answers") {
    HostileRedis silent("");
    const json c = k.redis_check(silent.url(), {});
    CHECK(c["message"] == "Redis at 127.0.0.1:" + std::to_string(silent.port()) +
                              " did not answer reading queue lengths within 500ms");
    CHECK(has(c["hint"].get<std::string>(), "Redis accepted the connection but did not answer in time"));
  }
}
