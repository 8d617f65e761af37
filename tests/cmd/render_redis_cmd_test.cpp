// render, deploy and profiles show for profiles with redis.passwordSecret and redis.tls:
// the exporter gets its password through a secretKeyRef and its TLS files from read-only
// volumes, the flags point at the mounted files, and no password is ever in the output.
#include "cmd_harness.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <sstream>
#include <yaml-cpp/yaml.h>

using graflow::testing::check_golden;
using graflow::testing::CliRun;
using graflow::testing::CmdEnv;
using nlohmann::json;

namespace {

const std::string k_config = std::string(TEST_DATA_DIR) + "/redis-tls.yaml";
const std::string k_marker = "marker-s3cr3t-pw";

YAML::Node exporter_of(const std::string& stream) {
  for (const auto& doc : YAML::LoadAll(stream)) {
    if (doc["kind"].as<std::string>() == "Deployment" && doc["metadata"]["name"].as<std::string>() == "graflow-exporter") {
      return doc;
    }
  }
  FAIL("no exporter Deployment in the output");
  return {};
}

std::vector<std::string> strings(const YAML::Node& list) {
  std::vector<std::string> out;
  for (const auto& item : list) {
    out.push_back(item.as<std::string>());
  }
  return out;
}

// Every --redis-*-file flag of the exporter names a file that a read-only volume mount puts
// there: mountPath + the path of one of its volume's items. Returns flag -> "volume/key".
std::map<std::string, std::string> file_sources(const YAML::Node& deployment) {
  const YAML::Node pod = deployment["spec"]["template"]["spec"];
  const YAML::Node container = pod["containers"][0];
  std::map<std::string, std::string> files; // mounted file -> volume/key
  for (const auto& mount : container["volumeMounts"]) {
    CHECK(mount["readOnly"].as<bool>());
    const std::string name = mount["name"].as<std::string>();
    bool found = false;
    for (const auto& volume : pod["volumes"]) {
      if (volume["name"].as<std::string>() != name) {
        continue;
      }
      found = true;
      const YAML::Node source = volume["secret"] ? volume["secret"] : volume["configMap"];
      const std::string object = volume["secret"] ? "secret/" + source["secretName"].as<std::string>()
                                                  : "configmap/" + source["name"].as<std::string>();
      for (const auto& item : source["items"]) {
        files[mount["mountPath"].as<std::string>() + "/" + item["path"].as<std::string>()] =
            object + "/" + item["key"].as<std::string>();
      }
    }
    CHECK_MESSAGE(found, "volumeMount " << name << " has no volume");
  }
  std::map<std::string, std::string> out;
  for (const auto& arg : strings(container["args"])) {
    for (const char* flag : {"--redis-ca-file=", "--redis-cert-file=", "--redis-key-file="}) {
      if (arg.rfind(flag, 0) == 0) {
        const std::string file = arg.substr(std::string(flag).size());
        REQUIRE_MESSAGE(files.count(file) == 1, arg << " names a file that no volume mounts");
        out[std::string(flag, std::string(flag).size() - 1)] = files[file];
      }
    }
  }
  return out;
}

std::string env_text(const YAML::Node& container) {
  std::string out;
  for (const auto& e : container["env"]) {
    out += e["name"].as<std::string>() + "=";
    if (e["value"]) {
      out += e["value"].as<std::string>();
    } else {
      const YAML::Node ref = e["valueFrom"]["secretKeyRef"];
      out += "secretKeyRef:" + ref["name"].as<std::string>() + "/" + ref["key"].as<std::string>();
    }
    out += "\n";
  }
  return out;
}

} // namespace

TEST_CASE("render: the exporter's password from a secretKeyRef, its TLS files from read-only Secret volumes") {
  CmdEnv c;
  const auto r = c.run({"--config", k_config, "render", "-p", "secure"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(r.err.empty());
  check_golden(GOLDEN_DIR, "render-redis-tls.yaml", r.out);

  const YAML::Node dep = exporter_of(r.out);
  const YAML::Node container = dep["spec"]["template"]["spec"]["containers"][0];
  CHECK(env_text(container) == "GRAFLOW_REDIS_URL=rediss://redis.data.svc.cluster.local:6380/0\n"
                               "GRAFLOW_REDIS_PASSWORD=secretKeyRef:redis-auth/password\n");
  CHECK(file_sources(dep) == std::map<std::string, std::string>{
                                 {"--redis-ca-file", "secret/redis-ca/ca.crt"},
                                 {"--redis-cert-file", "secret/exporter-client/tls.crt"},
                                 {"--redis-key-file", "secret/exporter-client/tls.key"}});
  const auto args = strings(container["args"]);
  CHECK(std::count(args.begin(), args.end(), "--redis-tls-server-name=redis.example.internal") == 1);
  CHECK(std::count(args.begin(), args.end(), "--redis-insecure-skip-tls-verify") == 0);
  // The key is readable by the exporter's group (fsGroup), not by everyone.
  CHECK(dep["spec"]["template"]["spec"]["securityContext"]["fsGroup"].as<int>() == 65532);
  CHECK(dep["spec"]["template"]["spec"]["volumes"][1]["secret"]["defaultMode"].as<int>() == 0440); // octal: 288
  // render never creates the Secrets it names.
  for (const auto& doc : YAML::LoadAll(r.out)) {
    CHECK(doc["kind"].as<std::string>() != "Secret");
    CHECK(doc["kind"].as<std::string>() != "ConfigMap");
  }
}

TEST_CASE("render: a CA from a ConfigMap, the system trust store, insecure, and plaintext") {
  CmdEnv c;
  const auto managed = c.run({"--config", k_config, "render", "-p", "managed"});
  REQUIRE_MESSAGE(managed.code == 0, managed.err);
  const YAML::Node m = exporter_of(managed.out);
  CHECK(file_sources(m) == std::map<std::string, std::string>{{"--redis-ca-file", "configmap/redis-ca-bundle/bundle.pem"}});
  CHECK(env_text(m["spec"]["template"]["spec"]["containers"][0]) ==
        "GRAFLOW_REDIS_URL=rediss://redis.data.svc.cluster.local:6380/0\n"
        "GRAFLOW_REDIS_PASSWORD=secretKeyRef:managed-redis/auth-token\n");
  CHECK_FALSE(m["spec"]["template"]["spec"]["securityContext"]["fsGroup"]);

  // TLS against the image's system trust store: no volume at all, and no TLS flags.
  const auto system = c.run({"--config", k_config, "render", "-p", "public-ca"});
  REQUIRE(system.code == 0);
  const YAML::Node s = exporter_of(system.out);
  CHECK_FALSE(s["spec"]["template"]["spec"]["volumes"]);
  CHECK_FALSE(s["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]);
  CHECK(strings(s["spec"]["template"]["spec"]["containers"][0]["args"]) ==
        std::vector<std::string>{"exporter", "--listen=0.0.0.0:8000", "--key-prefix=graflow"});
  CHECK(env_text(s["spec"]["template"]["spec"]["containers"][0]) ==
        "GRAFLOW_REDIS_URL=rediss://redis.data.svc.cluster.local:6380/0\n");

  const auto insecure = c.run({"--config", k_config, "render", "-p", "public-ca", "--set",
                               "redis.tls.insecureSkipVerify=true", "--set", "redis.tls.serverName=10.0.0.7"});
  REQUIRE(insecure.code == 0);
  CHECK(strings(exporter_of(insecure.out)["spec"]["template"]["spec"]["containers"][0]["args"]) ==
        std::vector<std::string>{"exporter", "--listen=0.0.0.0:8000", "--key-prefix=graflow",
                                 "--redis-tls-server-name=10.0.0.7", "--redis-insecure-skip-tls-verify"});

  const auto off = c.run({"--config", k_config, "render", "-p", "managed", "--set", "redis.tls.enabled=false"});
  REQUIRE(off.code == 0);
  const YAML::Node o = exporter_of(off.out);
  CHECK(env_text(o["spec"]["template"]["spec"]["containers"][0]) ==
        "GRAFLOW_REDIS_URL=redis://redis.data.svc.cluster.local:6380/0\n"
        "GRAFLOW_REDIS_PASSWORD=secretKeyRef:managed-redis/auth-token\n");
  CHECK_FALSE(o["spec"]["template"]["spec"]["volumes"]);
}

TEST_CASE("render and deploy: redis.username reaches the exporter as GRAFLOW_REDIS_USER, a plain value") {
  CmdEnv c;
  const auto r = c.run({"--config", k_config, "render", "-p", "acl"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  const YAML::Node dep = exporter_of(r.out);
  CHECK(env_text(dep["spec"]["template"]["spec"]["containers"][0]) ==
        "GRAFLOW_REDIS_URL=rediss://redis.data.svc.cluster.local:6380/0\n"
        "GRAFLOW_REDIS_USER=graflow-exporter\n"
        "GRAFLOW_REDIS_PASSWORD=secretKeyRef:redis-auth/password\n");
  // Without the key nothing changes (the golden of the secure profile above has no user).
  const auto plain = c.run({"--config", k_config, "render", "-p", "secure"});
  CHECK(plain.out.find("GRAFLOW_REDIS_USER") == std::string::npos);

  const auto deploy = c.run({"--config", k_config, "deploy", "-p", "acl"});
  REQUIRE_MESSAGE(deploy.code == 0, deploy.err);
  const auto stored = c.kube.get("/apis/apps/v1/namespaces/work/deployments/graflow-exporter");
  REQUIRE(stored);
  CHECK((*stored)["spec"]["template"]["spec"]["containers"][0]["env"][1] ==
        json::parse(R"({"name": "GRAFLOW_REDIS_USER", "value": "graflow-exporter"})"));

  const auto shown = c.run({"--config", k_config, "-o", "json", "profiles", "show", "acl"});
  REQUIRE(shown.code == 0);
  CHECK(json::parse(shown.out)["redis"]["username"] == "graflow-exporter");

  const auto bad = c.run({"--config", k_config, "render", "-p", "acl", "--set", "redis.username=ops team"});
  CHECK(bad.code == 2);
  CHECK(bad.out.empty());
  CHECK(bad.err == "graflowctl: error: --set redis.username: \"ops team\" is not a Redis user name graflowctl accepts: "
                   "at most 128 letters, digits, '-', '_', '.' and '@'\n");
}

TEST_CASE("no render output ever holds a password: a profile URL with one is refused (exit 2)") {
  CmdEnv c;
  // graflowctl's own password sources are set too: render must not pick them up either.
  c.env.set("GRAFLOW_REDIS_PASSWORD", k_marker);
  c.env.set("GRAFLOW_REDIS_URL", "redis://:" + k_marker + "@redis:6379/0");
  graflow::testing::write_text(c.dir / "pw", k_marker + "\n");
  const std::string pw_file = (c.dir / "pw").string();
  std::vector<CliRun> runs;
  for (const char* profile : {"secure", "managed", "public-ca", "prod", "dev"}) {
    runs.push_back(c.run({"--config", k_config, "--redis-password-file", pw_file, "render", "-p", profile}));
    CHECK_MESSAGE(runs.back().code == 0, runs.back().err);
    runs.push_back(c.run({"--config", k_config, "--redis-password-file", pw_file, "-o", "json", "profiles", "show",
                          profile}));
    CHECK(runs.back().code == 0);
    runs.push_back(c.run({"--config", k_config, "profiles", "show", profile}));
    runs.push_back(c.run({"--config", k_config, "-o", "yaml", "profiles", "show", profile}));
    runs.push_back(c.run({"--config", k_config, "deploy", "-n", "work", "-p", profile, "--dry-run"}));
    CHECK_MESSAGE(runs.back().code == 0, runs.back().err);
  }
  runs.push_back(c.run({"--config", k_config, "profiles", "show", "leaky"}));
  CHECK(runs.back().out.find("rediss://:***@redis.data.svc.cluster.local:6380/0") != std::string::npos);

  const auto leaky = c.run({"--config", k_config, "render", "-p", "leaky"});
  CHECK(leaky.code == 2);
  CHECK(leaky.out.empty());
  CHECK(leaky.err == "graflowctl: error: " + k_config +
                         ":37: profiles.leaky.redis.url: holds a password, and a rendered manifest never does: keep it "
                         "in a Secret and set redis.passwordSecret {name, key} for the exporter, and give graflowctl "
                         "--redis-password-file or $GRAFLOW_REDIS_PASSWORD\n");
  runs.push_back(leaky);

  const auto out_dir = (c.dir / "manifests").string();
  const auto files = c.run({"--config", k_config, "render", "-p", "leaky", "--out-dir", out_dir});
  CHECK(files.code == 2);
  CHECK_FALSE(std::filesystem::exists(out_dir));
  runs.push_back(files);

  const auto set = c.run({"--config", k_config, "render", "-p", "prod", "--set",
                          "redis.url=redis://worker:" + k_marker + "@redis:6379"});
  CHECK(set.code == 2);
  CHECK(set.err.rfind("graflowctl: error: --set redis.url: holds a password", 0) == 0);
  runs.push_back(set);

  c.kube.clear_requests();
  const auto deploy = c.run({"--config", k_config, "deploy", "-n", "work", "-p", "leaky"});
  CHECK(deploy.code == 2);
  CHECK(deploy.err.find(":37: profiles.leaky.redis.url: holds a password") != std::string::npos);
  CHECK(c.kube.requests().empty()); // refused before anything is sent
  runs.push_back(deploy);

  // --out-dir files of a good profile too.
  const auto written = c.run({"--config", k_config, "render", "-p", "secure", "--out-dir", out_dir});
  REQUIRE(written.code == 0);
  for (const auto& e : std::filesystem::directory_iterator(out_dir)) {
    CHECK(graflow::testing::read_text(e.path()).find(k_marker) == std::string::npos);
  }
  for (const auto& r : runs) {
    CHECK(r.out.find(k_marker) == std::string::npos);
    CHECK(r.err.find(k_marker) == std::string::npos);
  }
}

TEST_CASE("profiles show lists the secret references in text, json and yaml") {
  CmdEnv c;
  const auto text = c.run({"--config", k_config, "profiles", "show", "secure"});
  REQUIRE(text.code == 0);
  std::map<std::string, std::string> rows; // KEY -> "VALUE FROM"
  std::istringstream in(text.out);
  for (std::string key, value, from; in >> key >> value >> from;) {
    rows[key] = value + " " + from;
    in.ignore(1 << 20, '\n');
  }
  const std::string file = k_config + ":";
  CHECK(rows["redis.passwordSecret.name"] == "redis-auth " + file + "13");
  CHECK(rows["redis.passwordSecret.key"] == "password " + file + "14");
  CHECK(rows["redis.tls.enabled"] == "true " + file + "16");
  CHECK(rows["redis.tls.caSecret.name"] == "redis-ca " + file + "18");
  CHECK(rows["redis.tls.caSecret.key"] == "ca.crt default");
  CHECK(rows["redis.tls.certSecret.certKey"] == "tls.crt default");
  CHECK(rows["redis.tls.certSecret.keyKey"] == "tls.key default");
  CHECK(rows["redis.tls.serverName"] == "redis.example.internal " + file + "21");

  const auto js = c.run({"--config", k_config, "-o", "json", "profiles", "show", "secure"});
  REQUIRE(js.code == 0);
  const json doc = json::parse(js.out);
  CHECK(doc["redis"]["passwordSecret"] == json{{"name", "redis-auth"}, {"key", "password"}});
  CHECK(doc["redis"]["tls"] == json::parse(R"({"enabled": true,
    "caSecret": {"name": "redis-ca", "key": "ca.crt"},
    "certSecret": {"name": "exporter-client", "certKey": "tls.crt", "keyKey": "tls.key"},
    "serverName": "redis.example.internal"})"));

  const auto yaml = c.run({"--config", k_config, "-o", "yaml", "profiles", "show", "managed"});
  REQUIRE(yaml.code == 0);
  const YAML::Node y = YAML::Load(yaml.out);
  CHECK(y["redis"]["tls"]["caConfigMap"]["key"].as<std::string>() == "bundle.pem");
  CHECK(y["redis"]["passwordSecret"]["key"].as<std::string>() == "auth-token");
}

TEST_CASE("deploy applies the exporter with its secretKeyRef and read-only TLS volumes") {
  CmdEnv c;
  const auto r = c.run({"--config", k_config, "deploy", "-p", "secure"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(r.out.find("deployment.apps/graflow-exporter created\n") != std::string::npos);
  const auto stored = c.kube.get("/apis/apps/v1/namespaces/work/deployments/graflow-exporter");
  REQUIRE(stored);
  const json pod = (*stored)["spec"]["template"]["spec"];
  const json& container = pod["containers"][0];
  CHECK(container["env"][1] == json::parse(R"({"name": "GRAFLOW_REDIS_PASSWORD",
    "valueFrom": {"secretKeyRef": {"name": "redis-auth", "key": "password"}}})"));
  CHECK(container["volumeMounts"] == json::parse(R"([
    {"name": "redis-ca", "mountPath": "/etc/graflowctl/redis/ca", "readOnly": true},
    {"name": "redis-client-cert", "mountPath": "/etc/graflowctl/redis/client", "readOnly": true}])"));
  CHECK(pod["volumes"][0] == json::parse(R"({"name": "redis-ca",
    "secret": {"secretName": "redis-ca", "items": [{"key": "ca.crt", "path": "ca.crt"}]}})"));
  CHECK(pod["volumes"][1]["secret"]["defaultMode"] == 288);
  // The Secrets themselves are the user's: deploy neither creates nor reads them.
  for (const auto& req : c.kube.requests()) {
    CHECK(req.path.find("/secrets") == std::string::npos);
    CHECK(req.path.find("/configmaps") == std::string::npos);
  }
  CHECK_FALSE(c.kube.get("/api/v1/namespaces/work/secrets/redis-auth"));
}
