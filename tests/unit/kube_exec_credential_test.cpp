// Exec credential plugins: ExecCredential parsing, running a real plugin script (no shell
// in between), caching until expirationTimestamp in memory and on disk, failures.
#include "graflow/core/error.hpp"
#include "graflow/kube/exec_credential.hpp"
#include "harness.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

using namespace graflow;
using namespace graflow::kube;
using graflow::testing::read_text;
using graflow::testing::TempDir;
using graflow::testing::write_text;
using std::chrono::system_clock;

namespace {

const std::string k_v1 = "client.authentication.k8s.io/v1";

std::string credential(const std::string& status) {
  return R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":)" + status + "}";
}

// A plugin that counts its runs in DIR/count, saves its KUBERNETES_EXEC_INFO and argv, and
// prints a token "tok-N" expiring at $EXPIRY (none when empty).
void write_plugin(const TempDir& dir) {
  write_text(dir / "plugin.sh", R"(#!/bin/sh
dir=$(dirname "$0")
n=$(($(cat "$dir/count" 2>/dev/null || echo 0) + 1))
echo "$n" > "$dir/count"
printf '%s' "$KUBERNETES_EXEC_INFO" > "$dir/exec-info"
printf '%s\n' "$@" > "$dir/args"
if [ -n "$EXPIRY" ]; then exp=",\"expirationTimestamp\":\"$EXPIRY\""; else exp=""; fi
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"tok-%s"%s}}' "$n" "$exp"
)");
  std::filesystem::permissions(dir / "plugin.sh", std::filesystem::perms::owner_all);
}

RestConfig plugin_config(const TempDir& dir, const std::string& expiry) {
  RestConfig rc;
  rc.server = "https://k.example:6443";
  rc.user = "robot";
  rc.context = "ctx";
  rc.tls.ca_pem = "CA-PEM";
  ExecConfig e;
  e.api_version = k_v1;
  e.command = (dir / "plugin.sh").string();
  e.args = {"get-token", "--cluster=prod"};
  e.env = {{"EXPIRY", expiry}};
  e.interactive_mode = "Never";
  e.provide_cluster_info = true;
  e.install_hint = "install it with: apt install plugin";
  rc.auth.exec = e;
  return rc;
}

int runs(const TempDir& dir) { return std::stoi(read_text(dir / "count")); }

std::string failure_message(ExecCredentialProvider& p) {
  try {
    p.get();
  } catch (const Error& e) {
    CHECK(e.code() == Exit::failure);
    return e.what();
  }
  FAIL("no error thrown");
  return "";
}

} // namespace

TEST_CASE("parse_exec_credential: token, certificate pair, expiry") {
  auto c = parse_exec_credential(credential(R"({"token":"abc","expirationTimestamp":"2030-01-02T03:04:05Z"})"), k_v1, "p");
  CHECK(c.token == "abc");
  REQUIRE(c.expiry.has_value());
  CHECK(system_clock::to_time_t(*c.expiry) == 1893553445);

  c = parse_exec_credential(credential(R"({"clientCertificateData":"CERT","clientKeyData":"KEY"})"), k_v1, "p");
  CHECK(c.client_cert_pem == "CERT");
  CHECK(c.client_key_pem == "KEY");
  CHECK_FALSE(c.expiry.has_value());
}

TEST_CASE("parse_exec_credential rejects bad output without echoing secrets") {
  auto message = [](const std::string& text, const std::string& version = k_v1) {
    try {
      parse_exec_credential(text, version, "my-plugin");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string prefix = "exec credential plugin \"my-plugin\" returned an invalid ExecCredential: ";
  CHECK(message("token: s3cret") == prefix + "its output is not JSON");
  CHECK(message("") == prefix + "its output is empty");
  CHECK(message(credential(R"({"token":"s3cret"})"), "client.authentication.k8s.io/v1beta1") ==
        prefix + "apiVersion is \"client.authentication.k8s.io/v1\" but the kubeconfig asks for "
                 "\"client.authentication.k8s.io/v1beta1\"");
  CHECK(message(R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential"})") == prefix + "it has no status");
  CHECK(message(credential("{}")) == prefix + "status has neither a token nor clientCertificateData and clientKeyData");
  CHECK(message(credential(R"({"clientKeyData":"KEY"})")) ==
        prefix + "status has clientCertificateData or clientKeyData but not both");
  CHECK(message(credential(R"({"token":"s3cret","expirationTimestamp":"tomorrow"})")) ==
        prefix + "expirationTimestamp \"tomorrow\" is not an RFC 3339 time");
}

TEST_CASE("parse_rfc3339 handles fractions and offsets") {
  CHECK(system_clock::to_time_t(parse_rfc3339("2030-01-02T03:04:05+01:00").value()) == 1893553445 - 3600);
  CHECK(system_clock::to_time_t(parse_rfc3339("2030-01-02T03:04:05.75Z").value()) == 1893553445);
  CHECK_FALSE(parse_rfc3339("2030-01-02 03:04:05").has_value());
  CHECK_FALSE(parse_rfc3339("2030-01-02T03:04:05").has_value());
}

TEST_CASE("the plugin runs without a shell, with KUBERNETES_EXEC_INFO, its args and env") {
  TempDir dir;
  write_plugin(dir);
  ExecCredentialProvider::clear_memory_cache();
  ExecCredentialProvider p(plugin_config(dir, ""), {});
  CHECK(p.get().token == "tok-1");
  CHECK(read_text(dir / "args") == "get-token\n--cluster=prod\n");
  const auto info = nlohmann::json::parse(read_text(dir / "exec-info"));
  CHECK(info["apiVersion"] == k_v1);
  CHECK(info["kind"] == "ExecCredential");
  CHECK(info["spec"]["interactive"] == false);
  CHECK(info["spec"]["cluster"]["server"] == "https://k.example:6443");
  CHECK(info["spec"]["cluster"]["certificate-authority-data"] == "Q0EtUEVN"); // base64("CA-PEM")
}

TEST_CASE("a credential without expiry is reused for the whole process, never written to disk") {
  TempDir dir;
  write_plugin(dir);
  ExecCredentialProvider::clear_memory_cache();
  ExecCredentialProvider p(plugin_config(dir, ""), {dir / "cache", {}});
  CHECK(p.get().token == "tok-1");
  CHECK(p.get().token == "tok-1");
  // A second provider of the same plugin shares the process cache.
  ExecCredentialProvider q(plugin_config(dir, ""), {dir / "cache", {}});
  CHECK(q.get().token == "tok-1");
  CHECK(runs(dir) == 1);
  CHECK_FALSE(std::filesystem::exists(dir / "cache"));
}

TEST_CASE("credentials are cached until expirationTimestamp, then refreshed") {
  TempDir dir;
  write_plugin(dir);
  ExecCredentialProvider::clear_memory_cache();
  const auto expiry = parse_rfc3339("2030-01-01T00:00:00Z").value();
  auto now = expiry - std::chrono::hours(1);
  ExecCredentialProvider p(plugin_config(dir, "2030-01-01T00:00:00Z"), {dir / "cache", [&] { return now; }});

  CHECK(p.get().token == "tok-1");
  CHECK(p.get().token == "tok-1");
  CHECK(runs(dir) == 1);

  SUBCASE("on disk, mode 0600, for the next process") {
    const auto files = std::vector<std::filesystem::directory_entry>(std::filesystem::directory_iterator(dir / "cache"), {});
    REQUIRE(files.size() == 1);
    struct stat st {};
    REQUIRE(::stat(files[0].path().c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    REQUIRE(::stat((dir / "cache").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);

    ExecCredentialProvider::clear_memory_cache(); // as a new process
    ExecCredentialProvider next(plugin_config(dir, "2030-01-01T00:00:00Z"), {dir / "cache", [&] { return now; }});
    CHECK(next.get().token == "tok-1");
    CHECK(runs(dir) == 1);

    SUBCASE("a cache file others could read is ignored") {
      ExecCredentialProvider::clear_memory_cache();
      std::filesystem::permissions(files[0].path(), std::filesystem::perms::others_read, std::filesystem::perm_options::add);
      CHECK(next.get().token == "tok-2");
    }
  }
  SUBCASE("expired: the plugin runs again") {
    now = expiry + std::chrono::seconds(1);
    CHECK(p.get().token == "tok-2");
    CHECK(runs(dir) == 2);
  }
  SUBCASE("invalidate (after a 401) forgets memory and disk") {
    p.invalidate();
    CHECK(p.get().token == "tok-2");
    ExecCredentialProvider::clear_memory_cache();
    CHECK(p.get().token == "tok-2"); // from disk, rewritten by the second run
    CHECK(runs(dir) == 2);
  }
}

TEST_CASE("an already expired credential is never reused") {
  TempDir dir;
  write_plugin(dir);
  ExecCredentialProvider::clear_memory_cache();
  ExecCredentialProvider p(plugin_config(dir, "2001-01-01T00:00:00Z"), {dir / "cache", {}});
  CHECK(p.get().token == "tok-1");
  CHECK(p.get().token == "tok-2");
  CHECK(runs(dir) == 2);
}

TEST_CASE("a failing plugin: its exit code, its stderr and the installHint") {
  TempDir dir;
  write_text(dir / "plugin.sh", "#!/bin/sh\necho 'error: you must log in first' >&2\necho partial-output\nexit 3\n");
  std::filesystem::permissions(dir / "plugin.sh", std::filesystem::perms::owner_all);
  ExecCredentialProvider::clear_memory_cache();
  ExecCredentialProvider p(plugin_config(dir, ""), {});
  CHECK(failure_message(p) == "exec credential plugin \"" + (dir / "plugin.sh").string() +
                                  "\" (user \"robot\") failed with exit code 3: error: you must log in first\n"
                                  "install it with: apt install plugin");
}

TEST_CASE("a missing plugin: not found, with the installHint") {
  TempDir dir;
  auto rc = plugin_config(dir, "");
  rc.auth.exec->command = "graflow-no-such-plugin";
  ExecCredentialProvider p(rc, {});
  CHECK(failure_message(p) ==
        "exec credential plugin \"graflow-no-such-plugin\" (user \"robot\") was not found in PATH\n"
        "install it with: apt install plugin");
  rc.auth.exec->command = (dir / "nope.sh").string();
  ExecCredentialProvider q(rc, {});
  CHECK(failure_message(q).find("nope.sh\" (user \"robot\") does not exist") != std::string::npos);
}

TEST_CASE("a plugin printing garbage: the error does not echo its output") {
  TempDir dir;
  write_text(dir / "plugin.sh", "#!/bin/sh\necho 'token=s3cret'\n");
  std::filesystem::permissions(dir / "plugin.sh", std::filesystem::perms::owner_all);
  ExecCredentialProvider::clear_memory_cache();
  ExecCredentialProvider p(plugin_config(dir, ""), {});
  const auto msg = failure_message(p);
  CHECK(msg.find("returned an invalid ExecCredential: its output is not JSON") != std::string::npos);
  CHECK(msg.find("s3cret") == std::string::npos);
}

TEST_CASE("a hung plugin is killed after the timeout, with a message naming it") {
  TempDir dir;
  write_text(dir / "plugin.sh", "#!/bin/sh\necho 'waiting for the browser login' >&2\nexec sleep 30\n");
  std::filesystem::permissions(dir / "plugin.sh", std::filesystem::perms::owner_all);
  ExecCredentialProvider::clear_memory_cache();
  ExecCredentialProvider p(plugin_config(dir, ""), {{}, {}, std::chrono::milliseconds(500)});
  const auto started = std::chrono::steady_clock::now();
  const auto msg = failure_message(p);
  const auto took = std::chrono::steady_clock::now() - started;
  CHECK(msg == "exec credential plugin \"" + (dir / "plugin.sh").string() +
                   "\" (user \"robot\") did not finish within 500ms and was killed (--request-timeout): "
                   "waiting for the browser login\ninstall it with: apt install plugin");
  CHECK(took >= std::chrono::milliseconds(500));
  CHECK(took < std::chrono::seconds(3));
}

TEST_CASE("a failing plugin's stderr is shown with anything token-like redacted") {
  TempDir dir;
  write_text(dir / "plugin.sh", R"(#!/bin/sh
echo 'error: the server rejected Authorization: Bearer abcDEF123456' >&2
echo 'token: s3cr3t-t0ken' >&2
echo '{"access_token":"another-secret"}' >&2
echo 'cached eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJyb2JvdCJ9.c2lnbmF0dXJlMTIz' >&2
echo 'refresh with dGhpcyBpcyBhIHZlcnkgc2VjcmV0IHRva2VuIHZhbHVl' >&2
exit 1
)");
  std::filesystem::permissions(dir / "plugin.sh", std::filesystem::perms::owner_all);
  ExecCredentialProvider::clear_memory_cache();
  ExecCredentialProvider p(plugin_config(dir, ""), {});
  const auto msg = failure_message(p);
  CHECK(msg == "exec credential plugin \"" + (dir / "plugin.sh").string() +
                   "\" (user \"robot\") failed with exit code 1: error: the server rejected Authorization: Bearer "
                   "[redacted]\ntoken: [redacted]\n{\"access_token\":\"[redacted]\"}\ncached [redacted]\n"
                   "refresh with [redacted]\ninstall it with: apt install plugin");
  for (const char* secret : {"abcDEF123456", "s3cr3t", "another-secret", "eyJ", "dGhpcyBp"}) {
    CHECK(msg.find(secret) == std::string::npos);
  }
}
