// The exporter Deployment that `render` writes for a TLS + password profile, run for real:
// its Secret volumes and secretKeyRef are resolved the way the kubelet does (each volume
// item written under its mountPath, the env from the Secret's key), then the container's
// own args and env start `graflowctl exporter` against a real redis-server that requires
// TLS, a client certificate and a password. Its /metrics must show the queue.
#include "exporter_process.hpp"
#include "harness.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <map>
#include <yaml-cpp/yaml.h>

using namespace graflow::testing;

namespace {

using Objects = std::map<std::string, std::map<std::string, std::string>>; // name -> key -> data

// A container's args with every mountPath prefix replaced by where `mounts` put it.
std::string remap(std::string arg, const std::map<std::string, std::string>& mounts) {
  for (const auto& [in_pod, local] : mounts) {
    if (const auto at = arg.find(in_pod); at != std::string::npos) {
      arg.replace(at, in_pod.size(), local);
    }
  }
  return arg;
}

// The exporter container of `rendered` made runnable here as the kubelet would: each volume's
// items written under a local directory for its mountPath, the env resolved from `secrets`,
// the args with the mount paths remapped (without `exporter` and --listen: ExporterProcess
// adds them).
struct Runnable {
  std::vector<std::string> args;
  std::vector<std::string> environment;
};

Runnable runnable(const std::string& rendered, const Objects& secrets, const TempDir& dir) {
  Runnable out;
  YAML::Node deployment;
  for (const auto& doc : YAML::LoadAll(rendered)) {
    if (doc["kind"].as<std::string>() == "Deployment" && doc["metadata"]["name"].as<std::string>() == "graflow-exporter") {
      deployment = doc;
    }
  }
  REQUIRE(deployment);
  const YAML::Node pod = deployment["spec"]["template"]["spec"];
  const YAML::Node container = pod["containers"][0];

  // The kubelet's part: each volume's items as files under the mount's path.
  std::map<std::string, std::string> mounts; // mountPath -> local directory
  for (const auto& mount : container["volumeMounts"]) {
    REQUIRE(mount["readOnly"].as<bool>());
    const std::string name = mount["name"].as<std::string>();
    const std::string local = (dir / ("vol-" + name)).string();
    mounts[mount["mountPath"].as<std::string>()] = local;
    for (const auto& volume : pod["volumes"]) {
      if (volume["name"].as<std::string>() != name) {
        continue;
      }
      REQUIRE(volume["secret"]);
      const auto& data = secrets.at(volume["secret"]["secretName"].as<std::string>());
      for (const auto& item : volume["secret"]["items"]) {
        write_text(std::filesystem::path(local) / item["path"].as<std::string>(),
                   data.at(item["key"].as<std::string>()));
      }
    }
  }

  for (const auto& e : container["env"]) {
    std::string value;
    if (e["value"]) {
      value = e["value"].as<std::string>();
    } else {
      const YAML::Node ref = e["valueFrom"]["secretKeyRef"];
      value = secrets.at(ref["name"].as<std::string>()).at(ref["key"].as<std::string>());
    }
    out.environment.push_back(e["name"].as<std::string>() + "=" + value);
  }

  // The container's args, but listening on a free loopback port (ExporterProcess adds it).
  for (const auto& a : container["args"]) {
    const std::string arg = a.as<std::string>();
    if (arg != "exporter" && arg.rfind("--listen=", 0) != 0) {
      out.args.push_back(remap(arg, mounts));
    }
  }

  return out;
}

} // namespace

TEST_CASE("the rendered exporter reaches a TLS, mTLS and password Redis with what its Secrets hold") {
  const TestCa ca;
  RedisOptions o = ca.redis(ca.server_cert(), "yes");
  o.requirepass = "render-exporter-pw";
  RedisServer redis(o);
  redis.push("graflow:queue", 23);

  TempDir dir;
  write_text(dir / "graflow.yaml", "profiles:\n"
                                   "  prod:\n"
                                   "    redis:\n"
                                   "      host: 127.0.0.1\n"
                                   "      port: " + std::to_string(redis.tls_port()) + "\n"
                                   "      passwordSecret: {name: redis-auth, key: password}\n"
                                   "      tls:\n"
                                   "        enabled: true\n"
                                   "        caSecret: {name: redis-ca}\n"
                                   "        certSecret: {name: exporter-client}\n"
                                   "        serverName: localhost\n");
  const Result rendered = graflowctl({"--config", (dir / "graflow.yaml").string(), "render", "-p", "prod"});
  REQUIRE_MESSAGE(rendered.code == 0, rendered.err);
  CHECK(rendered.out.find("render-exporter-pw") == std::string::npos);

  // What the cluster holds: the Secrets the user created (render never does).
  const Objects secrets = {{"redis-auth", {{"password", "render-exporter-pw"}}},
                           {"redis-ca", {{"ca.crt", read_text(ca.ca())}}},
                           {"exporter-client", {{"tls.crt", read_text(ca.client_cert())},
                                                {"tls.key", read_text(ca.client_key())}}}};

  const Runnable run = runnable(rendered.out, secrets, dir);
  const std::vector<std::string>& args = run.args;
  const std::vector<std::string>& environment = run.environment;
  CHECK(args.size() == 5); // --key-prefix and four TLS flags

  ExporterProcess exporter(args, env(environment));
  const auto page = http(exporter.url("/metrics"));
  REQUIRE(page.status == 200);
  CHECK_MESSAGE(sample_lines(page.body, "graflow_redis_up") == std::vector<std::string>{"graflow_redis_up 1"},
                page.body << exporter.process().err());
  CHECK(sample_lines(page.body, "graflow_queue_depth") ==
        std::vector<std::string>{"graflow_queue_depth{key_prefix=\"graflow\"} 23"});
  CHECK(http(exporter.url("/readyz")).status == 200);

  // Without the Secret's password the same exporter is up but cannot read the queue.
  std::vector<std::string> no_password;
  for (const auto& e : environment) {
    if (e.rfind("GRAFLOW_REDIS_PASSWORD=", 0) != 0) {
      no_password.push_back(e);
    }
  }
  ExporterProcess locked(args, env(no_password));
  const auto denied = http(locked.url("/metrics"));
  REQUIRE(denied.status == 200);
  CHECK(sample_lines(denied.body, "graflow_redis_up") == std::vector<std::string>{"graflow_redis_up 0"});
  CHECK(sample_lines(denied.body, "graflow_queue_depth").empty());
}

TEST_CASE("the rendered exporter authenticates as redis.username, an ACL user with only LLEN on its keys, over TLS") {
  const TestCa ca;
  RedisOptions o = ca.redis(ca.server_cert());
  o.requirepass = "the-admin-pw"; // the default user's: not the exporter's
  RedisServer redis(o);
  redis.push("graflow:queue", 31);
  redis.push("other:queue", 5);
  REQUIRE(redis.command({"ACL", "SETUSER", "graflow-exporter", "on", ">exporter-acl-pw", "resetkeys", "~graflow:*",
                         "-@all", "+llen"}) == "OK");

  TempDir dir;
  write_text(dir / "graflow.yaml", "profiles:\n"
                                   "  prod:\n"
                                   "    redis:\n"
                                   "      host: 127.0.0.1\n"
                                   "      port: " + std::to_string(redis.tls_port()) + "\n"
                                   "      username: graflow-exporter\n"
                                   "      passwordSecret: {name: redis-auth, key: password}\n"
                                   "      tls:\n"
                                   "        enabled: true\n"
                                   "        caSecret: {name: redis-ca}\n"
                                   "        serverName: localhost\n");
  const Result rendered = graflowctl({"--config", (dir / "graflow.yaml").string(), "render", "-p", "prod"});
  REQUIRE_MESSAGE(rendered.code == 0, rendered.err);
  const Objects secrets = {{"redis-auth", {{"password", "exporter-acl-pw"}}},
                           {"redis-ca", {{"ca.crt", read_text(ca.ca())}}}};
  const Runnable run = runnable(rendered.out, secrets, dir);
  CHECK(std::count(run.environment.begin(), run.environment.end(), "GRAFLOW_REDIS_USER=graflow-exporter") == 1);

  ExporterProcess exporter(run.args, env(run.environment));
  const auto page = http(exporter.url("/metrics"));
  REQUIRE(page.status == 200);
  CHECK_MESSAGE(sample_lines(page.body, "graflow_redis_up") == std::vector<std::string>{"graflow_redis_up 1"},
                page.body << exporter.process().err());
  CHECK(sample_lines(page.body, "graflow_queue_depth") ==
        std::vector<std::string>{"graflow_queue_depth{key_prefix=\"graflow\"} 31"});
  // The server saw that user on a TLS connection (CLIENT LIST: user=, and the TLS port's laddr).
  const std::string clients = redis.command({"CLIENT", "LIST"});
  CHECK_MESSAGE(clients.find("user=graflow-exporter") != std::string::npos, clients);
  CHECK(clients.find(":" + std::to_string(redis.tls_port()) + " ") != std::string::npos);

  // The ACL is what limits it: the same exporter on a key the user may not read is up 0.
  std::vector<std::string> other_args;
  for (const auto& a : run.args) {
    other_args.push_back(a == "--key-prefix=graflow" ? "--key-prefix=other" : a);
  }
  ExporterProcess denied(other_args, env(run.environment));
  const auto refused = http(denied.url("/metrics"));
  CHECK(sample_lines(refused.body, "graflow_redis_up") == std::vector<std::string>{"graflow_redis_up 0"});
  CHECK(sample_lines(refused.body, "graflow_queue_depth").empty());

  // Without GRAFLOW_REDIS_USER the password is tried for the default user and rejected.
  std::vector<std::string> no_user;
  for (const auto& e : run.environment) {
    if (e.rfind("GRAFLOW_REDIS_USER=", 0) != 0) {
      no_user.push_back(e);
    }
  }
  ExporterProcess anonymous(run.args, env(no_user));
  const auto rejected = http(anonymous.url("/metrics"));
  CHECK(sample_lines(rejected.body, "graflow_redis_up") == std::vector<std::string>{"graflow_redis_up 0"});
}
