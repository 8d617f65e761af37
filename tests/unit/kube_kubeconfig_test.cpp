// kubeconfig loading and merging, context and namespace precedence, in-cluster config,
// and the errors a user with a broken kubeconfig sees.
#include "graflow/core/error.hpp"
#include "graflow/kube/base64.hpp"
#include "graflow/kube/kubeconfig.hpp"
#include "harness.hpp"

#include <doctest/doctest.h>
#include <map>

using namespace graflow;
using namespace graflow::kube;
using graflow::testing::TempDir;
using graflow::testing::write_text;

namespace {

// An environment for LoadOptions::getenv: only what the test sets.
struct TestEnv {
  std::map<std::string, std::string> vars;
  LoadOptions options(std::string kubeconfig = "", std::string context = "", std::string ns = "") const {
    LoadOptions o;
    o.kubeconfig = std::move(kubeconfig);
    o.context = std::move(context);
    o.namespace_ = std::move(ns);
    const auto copy = vars;
    o.getenv = [copy](const std::string& name) -> std::optional<std::string> {
      const auto it = copy.find(name);
      return it == copy.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    return o;
  }
};

// The message of the usage Error `f` throws.
template <typename F> std::string usage_message(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    CHECK(e.code() == Exit::usage);
    return e.what();
  }
  FAIL("no error thrown");
  return "";
}

const char* const k_first = R"(apiVersion: v1
kind: Config
current-context: alpha
clusters:
- name: shared
  cluster:
    server: https://first.example:6443
    certificate-authority: certs/ca.crt
- name: only-first
  cluster:
    server: https://only-first.example
    certificate-authority-data: )";

const char* const k_first_rest = R"(
users:
- name: shared-user
  user:
    token: first-token
- name: cert-user
  user:
    client-certificate: certs/client.crt
    client-key: /abs/client.key
contexts:
- name: alpha
  context:
    cluster: shared
    user: shared-user
    namespace: team-a
- name: nons
  context:
    cluster: only-first
    user: shared-user
)";

const char* const k_second = R"(apiVersion: v1
kind: Config
current-context: beta
clusters:
- name: shared
  cluster:
    server: https://second.example:6443
- name: only-second
  cluster:
    server: https://only-second.example/
    insecure-skip-tls-verify: true
    tls-server-name: api.internal
users:
- name: shared-user
  user:
    token: second-token
- name: basic
  user:
    username: admin
    password: hunter2
contexts:
- name: alpha
  context:
    cluster: only-second
    user: basic
- name: beta
  context:
    cluster: only-second
    user: basic
)";

std::string first_text() { return std::string(k_first) + base64_encode("PEM-OF-CA\n") + k_first_rest; }

} // namespace

TEST_CASE("base64 round trip and rejects garbage") {
  CHECK(base64_decode(base64_encode("hello, world")).value() == "hello, world");
  CHECK(base64_decode("aGk=").value() == "hi");
  CHECK(base64_decode("aGk").value() == "hi"); // unpadded, as some tools write it
  CHECK(base64_decode("aG\nk=").value() == "hi");
  CHECK_FALSE(base64_decode("a*b=").has_value());
  CHECK_FALSE(base64_decode("aGk=aGk=").has_value());
  CHECK_FALSE(base64_decode("aGk===").has_value());
  CHECK(base64_decode("").value().empty());
  std::string every_byte;
  for (int i = 0; i < 256; ++i) {
    every_byte.push_back(static_cast<char>(i));
  }
  for (std::size_t n = 0; n <= 4; ++n) { // every padding case
    const std::string data = every_byte.substr(0, every_byte.size() - n);
    CHECK(base64_decode(base64_encode(data)).value() == data);
  }
  CHECK(base64_encode("hi") == "aGk=");
}

TEST_CASE("parse_kubeconfig decodes data fields and resolves relative paths against the file") {
  const auto config = parse_kubeconfig(first_text(), "/home/me/.kube/config");
  REQUIRE(config.clusters.count("shared") == 1);
  CHECK(config.clusters.at("shared").certificate_authority == "/home/me/.kube/certs/ca.crt");
  CHECK(config.clusters.at("only-first").certificate_authority_data == "PEM-OF-CA\n");
  CHECK(config.users.at("cert-user").client_certificate == "/home/me/.kube/certs/client.crt");
  CHECK(config.users.at("cert-user").client_key == "/abs/client.key");
  CHECK(config.contexts.at("alpha").namespace_ == "team-a");
  CHECK(config.current_context == "alpha");
}

TEST_CASE("parse_kubeconfig reads exec plugins; a command with a slash is relative to the kubeconfig") {
  const auto config = parse_kubeconfig(R"(users:
- name: e
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./bin/get-token
      args: [--cluster, prod]
      env:
      - name: REGION
        value: eu
      installHint: install get-token
      provideClusterInfo: true
      interactiveMode: Never
- name: p
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
)",
                                       "/etc/kube/config");
  const ExecConfig& e = config.users.at("e").exec.value();
  CHECK(e.command == "/etc/kube/bin/get-token");
  CHECK(e.args == std::vector<std::string>{"--cluster", "prod"});
  REQUIRE(e.env.size() == 1);
  CHECK(e.env[0] == std::pair<std::string, std::string>{"REGION", "eu"});
  CHECK(e.install_hint == "install get-token");
  CHECK(e.provide_cluster_info);
  CHECK(e.interactive_mode == "Never");
  CHECK(config.users.at("p").exec->command == "aws"); // looked up in PATH
  CHECK(config.users.at("p").exec->interactive_mode == "IfAvailable");
}

TEST_CASE("two kubeconfig files merge like kubectl: the first definition and current-context win") {
  TempDir dir;
  write_text(dir / "a/config", first_text());
  write_text(dir / "a/certs/ca.crt", "PEM-FROM-FILE\n");
  write_text(dir / "b/config", k_second);
  TestEnv env;
  env.vars["KUBECONFIG"] = (dir / "a/config").string() + "::" + (dir / "missing").string() + ":" + (dir / "b/config").string();

  const auto paths = kubeconfig_paths(env.options());
  CHECK(paths.origin == "$KUBECONFIG");
  CHECK(paths.paths.size() == 3);
  const auto merged = load_kubeconfig(paths);
  CHECK(merged.files.size() == 2); // the missing one is skipped
  CHECK(merged.current_context == "alpha");
  CHECK(merged.clusters.at("shared").server == "https://first.example:6443");
  CHECK(merged.users.at("shared-user").token == "first-token");
  CHECK(merged.contexts.at("alpha").cluster == "shared");
  CHECK(merged.clusters.count("only-second") == 1);
  CHECK(merged.users.count("basic") == 1);

  SUBCASE("current-context of the first file, with the context's namespace") {
    const auto rc = load_rest_config(env.options());
    CHECK(rc.context == "alpha");
    CHECK(rc.server == "https://first.example:6443");
    CHECK(rc.tls.ca_pem == "PEM-FROM-FILE\n");
    CHECK(rc.auth.token == "first-token");
    CHECK(rc.namespace_ == "team-a");
    CHECK(rc.namespace_source == NamespaceSource::context);
    CHECK(rc.namespace_origin() == "context \"alpha\"");
    CHECK(rc.describe() == "context \"alpha\" (https://first.example:6443)");
  }
  SUBCASE("--context picks a context of the second file; no namespace there gives default") {
    const auto rc = load_rest_config(env.options("", "beta"));
    CHECK(rc.server == "https://only-second.example"); // trailing slash dropped
    CHECK(rc.tls.insecure_skip_verify);
    CHECK(rc.tls.server_name == "api.internal");
    CHECK(rc.auth.username == "admin");
    CHECK(rc.auth.password == "hunter2");
    CHECK(rc.namespace_ == "default");
    CHECK(rc.namespace_origin() == "default");
  }
  SUBCASE("-n wins over the context's namespace") {
    const auto rc = load_rest_config(env.options("", "", "ops"));
    CHECK(rc.namespace_ == "ops");
    CHECK(rc.namespace_origin() == "--namespace");
  }
  SUBCASE("--kubeconfig wins over $KUBECONFIG") {
    const auto rc = load_rest_config(env.options((dir / "b/config").string()));
    CHECK(rc.context == "beta");
    CHECK(rc.files == std::vector<std::filesystem::path>{dir / "b/config"});
  }
  SUBCASE("certificate-authority-data is used as PEM") {
    const auto rc = load_rest_config(env.options("", "nons"));
    CHECK(rc.tls.ca_pem == "PEM-OF-CA\n");
  }
}

TEST_CASE("~/.kube/config is the default") {
  TempDir dir;
  write_text(dir / ".kube/config", k_second);
  TestEnv env;
  env.vars["HOME"] = dir.path().string();
  const auto rc = load_rest_config(env.options());
  CHECK(rc.context == "beta");
  CHECK(rc.files == std::vector<std::filesystem::path>{dir / ".kube/config"});
}

TEST_CASE("client certificate and key files are read, relative to the kubeconfig") {
  TempDir dir;
  write_text(dir / "config", R"(clusters:
- name: c
  cluster: {server: "https://k:6443", certificate-authority: ca.pem}
users:
- name: u
  user: {client-certificate: tls/u.crt, client-key: tls/u.key, tokenFile: tls/token}
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
)");
  write_text(dir / "ca.pem", "CA");
  write_text(dir / "tls/u.crt", "CERT");
  write_text(dir / "tls/u.key", "KEY");
  const auto rc = load_rest_config(TestEnv{}.options((dir / "config").string()));
  CHECK(rc.tls.ca_pem == "CA");
  CHECK(rc.tls.client_cert_pem == "CERT");
  CHECK(rc.tls.client_key_pem == "KEY");
  CHECK(rc.auth.token_file == dir / "tls/token");
}

TEST_CASE("kubeconfig errors are usage errors naming the file and the entry") {
  TempDir dir;
  write_text(dir / "config", k_second);
  TestEnv env;
  const std::string file = (dir / "config").string();

  SUBCASE("unknown context") {
    const auto msg = usage_message([&] { load_rest_config(env.options(file, "nope")); });
    CHECK(msg == "context \"nope\" does not exist in kubeconfig " + file);
  }
  SUBCASE("unknown current-context") {
    write_text(dir / "c2", "current-context: gone\ncontexts: []\nclusters:\n- name: c\n  cluster: {server: https://x}\n");
    const auto msg = usage_message([&] { load_rest_config(env.options((dir / "c2").string())); });
    CHECK(msg.find("context \"gone\" does not exist") == 0);
    CHECK(msg.find("current-context of " + (dir / "c2").string()) != std::string::npos);
  }
  SUBCASE("no current-context") {
    write_text(dir / "c3", "clusters:\n- name: c\n  cluster: {server: https://x}\ncontexts:\n- name: a\n  context: {cluster: c}\n");
    const auto msg = usage_message([&] { load_rest_config(env.options((dir / "c3").string())); });
    CHECK(msg == "no current-context is set in kubeconfig " + (dir / "c3").string() + "; pass --context (contexts: a)");
  }
  SUBCASE("missing cluster and user") {
    write_text(dir / "c4", R"(current-context: a
clusters:
- name: c
  cluster: {server: https://x}
contexts:
- name: a
  context: {cluster: gone, user: u}
- name: b
  context: {cluster: c, user: ghost}
)");
    const std::string f = (dir / "c4").string();
    CHECK(usage_message([&] { load_rest_config(env.options(f)); }) ==
          "cluster \"gone\" of context \"a\" does not exist in kubeconfig " + f);
    CHECK(usage_message([&] { load_rest_config(env.options(f, "b")); }) ==
          "user \"ghost\" of context \"b\" does not exist in kubeconfig " + f);
  }
  SUBCASE("cluster without server") {
    write_text(dir / "c5", "current-context: a\nclusters:\n- name: c\n  cluster: {}\ncontexts:\n- name: a\n  context: {cluster: c}\n");
    CHECK(usage_message([&] { load_rest_config(env.options((dir / "c5").string())); }) ==
          "cluster \"c\" in " + (dir / "c5").string() + " has no server");
  }
  SUBCASE("invalid YAML names file and line") {
    write_text(dir / "bad", "clusters:\n- name: c\n  cluster: [unclosed\n");
    const auto msg = usage_message([&] { load_rest_config(env.options((dir / "bad").string())); });
    CHECK(msg.find("error loading kubeconfig " + (dir / "bad").string() + ": line ") == 0);
  }
  SUBCASE("wrong types name file, line and entry") {
    write_text(dir / "types", "clusters:\n- name: c\n  cluster:\n    server: [a, b]\n");
    CHECK(usage_message([&] { load_rest_config(env.options((dir / "types").string())); }) ==
          "invalid kubeconfig " + (dir / "types").string() + ":4: clusters[c].cluster.server: must be a string");
  }
  SUBCASE("bad base64") {
    write_text(dir / "b64", "clusters:\n- name: c\n  cluster:\n    server: https://x\n    certificate-authority-data: '***'\n");
    CHECK(usage_message([&] { load_rest_config(env.options((dir / "b64").string())); }) ==
          "invalid kubeconfig " + (dir / "b64").string() +
              ":5: clusters[c].cluster.certificate-authority-data: is not valid base64");
  }
  SUBCASE("duplicate names in one file") {
    write_text(dir / "dup", "users:\n- name: u\n  user: {}\n- name: u\n  user: {}\n");
    CHECK(usage_message([&] { load_rest_config(env.options((dir / "dup").string())); }).find("users[1]: duplicate name \"u\"") !=
          std::string::npos);
  }
  SUBCASE("explicit --kubeconfig that does not exist") {
    const std::string missing = (dir / "nope").string();
    CHECK(usage_message([&] { load_rest_config(env.options(missing)); }) ==
          "cannot read kubeconfig " + missing + ": No such file or directory");
  }
  SUBCASE("unreadable certificate-authority") {
    write_text(dir / "ca", "current-context: a\nclusters:\n- name: c\n  cluster: {server: https://x, certificate-authority: nope.crt}\n"
                           "contexts:\n- name: a\n  context: {cluster: c}\n");
    CHECK(usage_message([&] { load_rest_config(env.options((dir / "ca").string())); }) ==
          "cannot read certificate-authority " + (dir / "nope.crt").string() + " of cluster \"c\" in " +
              (dir / "ca").string() + ": No such file or directory");
  }
  SUBCASE("legacy auth-provider") {
    write_text(dir / "ap", "current-context: a\nclusters:\n- name: c\n  cluster: {server: https://x}\nusers:\n- name: u\n"
                           "  user:\n    auth-provider: {name: gcp}\ncontexts:\n- name: a\n  context: {cluster: c, user: u}\n");
    CHECK(usage_message([&] { load_rest_config(env.options((dir / "ap").string())); }).find("uses auth-provider \"gcp\"") !=
          std::string::npos);
  }
  SUBCASE("token and basic auth together") {
    write_text(dir / "two", "current-context: a\nclusters:\n- name: c\n  cluster: {server: https://x}\nusers:\n- name: u\n"
                            "  user: {token: t, username: a, password: b}\ncontexts:\n- name: a\n  context: {cluster: c, user: u}\n");
    const auto msg = usage_message([&] { load_rest_config(env.options((dir / "two").string())); });
    CHECK(msg == "user \"u\" in " + (dir / "two").string() + " has both a token and a username/password; only one is allowed");
    CHECK(msg.find("t,") == std::string::npos);
  }
  SUBCASE("unsupported exec apiVersion") {
    write_text(dir / "ex", "users:\n- name: u\n  user:\n    exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: x}\n");
    CHECK(usage_message([&] { load_rest_config(env.options((dir / "ex").string())); }).find("is not supported") !=
          std::string::npos);
  }
}

TEST_CASE("in-cluster config when no kubeconfig exists") {
  TempDir dir;
  write_text(dir / "sa/token", "sa-token\n");
  write_text(dir / "sa/ca.crt", "CLUSTER-CA");
  write_text(dir / "sa/namespace", "workers\n");
  TestEnv env;
  env.vars["HOME"] = (dir / "home").string(); // no ~/.kube/config there
  env.vars["KUBERNETES_SERVICE_HOST"] = "10.96.0.1";
  env.vars["KUBERNETES_SERVICE_PORT"] = "443";
  env.vars["GRAFLOW_SERVICEACCOUNT_DIR"] = (dir / "sa").string();

  auto rc = load_rest_config(env.options());
  CHECK(rc.server == "https://10.96.0.1:443");
  CHECK(rc.context.empty());
  CHECK(rc.auth.token_file == dir / "sa/token");
  CHECK(rc.tls.ca_pem == "CLUSTER-CA");
  CHECK(rc.namespace_ == "workers");
  CHECK(rc.namespace_origin() == "service account");
  CHECK(rc.describe() == "in-cluster config (https://10.96.0.1:443)");

  CHECK(load_rest_config(env.options("", "", "other")).namespace_ == "other");

  env.vars["KUBERNETES_SERVICE_HOST"] = "fd00::1";
  CHECK(load_rest_config(env.options()).server == "https://[fd00::1]:443");

  SUBCASE("a kubeconfig, when there is one, wins") {
    write_text(dir / "home/.kube/config", k_second);
    CHECK(load_rest_config(env.options()).context == "beta");
  }
  SUBCASE("--context never falls back to in-cluster") {
    CHECK(usage_message([&] { load_rest_config(env.options("", "x")); }).find("context \"x\" does not exist") == 0);
  }
}

TEST_CASE("no kubeconfig and not in a pod: a usage error that says where it looked") {
  TempDir dir;
  TestEnv env;
  env.vars["HOME"] = dir.path().string();
  const auto msg = usage_message([&] { load_rest_config(env.options()); });
  CHECK(msg == "no Kubernetes configuration found: no kubeconfig at " + (dir / ".kube/config").string() +
                   " (~/.kube/config) and not running in a pod ($KUBERNETES_SERVICE_HOST is unset); pass --kubeconfig "
                   "or set KUBECONFIG");
}

TEST_CASE("a malformed server URL or namespace is a usage error, never sent as-is") {
  TempDir dir;
  TestEnv env;
  auto config_with = [&](const std::string& name, const std::string& server, const std::string& ns) {
    write_text(dir / name, "current-context: a\nclusters:\n- name: c\n  cluster: {server: '" + server +
                               "'}\ncontexts:\n- name: a\n  context: {cluster: c, namespace: '" + ns + "'}\n");
    return (dir / name).string();
  };
  struct Case {
    std::string server;
    std::string why;
  };
  for (const auto& c : std::vector<Case>{{"https://", "it has no host"},
                                         {"https://:6443", "it has no host"},
                                         {"https://k.example:port", "port \"port\" is not a number from 1 to 65535"},
                                         {"https://k.example:99999", "port \"99999\" is not a number from 1 to 65535"},
                                         {"https://k.example:", "the port is empty"},
                                         {"https://k example", "it contains a space or control character"},
                                         {"https://[fd00::1", "the IPv6 address has no closing ']'"},
                                         {"https://user:pw@k.example", "credentials in the URL are not supported (use "
                                                                       "the user's token or certificate)"},
                                         {"https://k_ex%ample", "\"k_ex%ample\" is not a host name or IP address"}}) {
    CAPTURE(c.server);
    const std::string f = config_with("bad-server", c.server, "ops");
    CHECK(usage_message([&] { load_rest_config(env.options(f)); }) ==
          "cluster \"c\" in " + f + ": server \"" + c.server + "\" is not a valid URL: " + c.why);
  }
  for (const char* good : {"https://k.example:6443/prefix", "https://[fd00::1]:6443", "10.0.0.1:6443", "http://localhost"}) {
    CAPTURE(good);
    CHECK_NOTHROW(load_rest_config(env.options(config_with("good", good, "ops"))));
  }
  const std::string f = config_with("bad-ns", "https://k.example", "Bad NS");
  CHECK(usage_message([&] { load_rest_config(env.options(f)); }) ==
        "context \"a\" in " + f + ": namespace \"Bad NS\" is not a valid namespace name (a DNS-1123 label: at most 63 "
                                  "lower-case letters, digits and '-', starting and ending with a letter or digit)");
  CHECK(usage_message([&] { load_rest_config(env.options(config_with("ok", "https://k.example", "ops"), "", "Bad NS")); }) ==
        "--namespace \"Bad NS\" is not a valid namespace name (a DNS-1123 label: at most 63 lower-case letters, digits "
        "and '-', starting and ending with a letter or digit)");
}

TEST_CASE("kubeconfig files: size limit, directories, duplicate keys, second documents") {
  TempDir dir;
  TestEnv env;
  CHECK(usage_message([&] { load_rest_config(env.options("/dev/zero")); }) ==
        "cannot read kubeconfig /dev/zero: it is larger than 16 MiB");
  CHECK(usage_message([&] { load_rest_config(env.options(dir.path().string())); }) ==
        "cannot read kubeconfig " + dir.path().string() + ": it is a directory");
  write_text(dir / "dup", "current-context: a\nclusters: []\ncurrent-context: b\n");
  CHECK(usage_message([&] { load_rest_config(env.options((dir / "dup").string())); }) ==
        "error loading kubeconfig " + (dir / "dup").string() +
            ": line 3: duplicate key \"current-context\" (first at line 1)");
  write_text(dir / "two", "current-context: a\n---\ncurrent-context: b\n");
  CHECK(usage_message([&] { load_rest_config(env.options((dir / "two").string())); }) ==
        "error loading kubeconfig " + (dir / "two").string() +
            ": line 3: a second YAML document (after ---): the file must hold exactly one");
}
