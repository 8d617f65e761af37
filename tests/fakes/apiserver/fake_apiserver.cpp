#include "apiserver/fake_apiserver.hpp"

#include <curl/curl.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace graflow::testing {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path make_temp_dir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/graflow-fake-apiserver-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("cannot create a temp dir from " + pattern);
  }
  return pattern;
}

// Runs argv (looked up on PATH) with stdout and stderr appended to `log`; returns the pid.
pid_t spawn(const std::vector<std::string>& args, const fs::path& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> argv;
  for (const auto& a : args) {
    argv.push_back(const_cast<char*>(a.c_str()));
  }
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    throw std::runtime_error("cannot start " + args[0] + ": " + std::strerror(rc));
  }
  return pid;
}

std::string server_binary() {
  const char* env = std::getenv("GRAFLOW_FAKE_APISERVER");
  return env != nullptr && *env != '\0' ? env : GRAFLOW_FAKE_APISERVER_BIN;
}

size_t append_body(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

} // namespace

FakeApiServer::FakeApiServer(FakeApiServerOptions options) : options_(std::move(options)), dir_(make_temp_dir()) {
  if (options_.tokens.empty()) {
    throw std::invalid_argument("FakeApiServer needs at least one token");
  }
  const fs::path log_path = dir_ / "server.log";
  const pid_t certs = spawn({"bash", GRAFLOW_FAKE_APISERVER_GEN_CERTS, dir_.string()}, dir_ / "gen-certs.log");
  int status = 0;
  waitpid(certs, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const std::string why = read_file(dir_ / "gen-certs.log");
    fs::remove_all(dir_);
    throw std::runtime_error("gen-certs.sh failed: " + why);
  }
  std::vector<std::string> args = {server_binary(),
                                   "--cert",
                                   (dir_ / "server.crt").string(),
                                   "--key",
                                   (dir_ / "server.key").string(),
                                   "--client-ca",
                                   ca_path().string(),
                                   "--listen",
                                   "127.0.0.1",
                                   "--port",
                                   "0",
                                   "--port-file",
                                   (dir_ / "port").string(),
                                   "--ready-delay",
                                   std::to_string(options_.ready_delay.count()) + "ms",
                                   "--die-with-parent"};
  for (const auto& [token, user] : options_.tokens) {
    args.push_back("--token");
    args.push_back(token + "=" + user);
  }
  pid_ = spawn(args, log_path);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!fs::exists(dir_ / "port")) {
    if (waitpid(pid_, &status, WNOHANG) == pid_ || std::chrono::steady_clock::now() > deadline) {
      const std::string why = read_file(log_path);
      stop();
      fs::remove_all(dir_);
      throw std::runtime_error("fake-apiserver did not start: " + why);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  port_ = std::stoi(read_file(dir_ / "port"));

  std::ofstream kubeconfig(kubeconfig_path());
  kubeconfig << "apiVersion: v1\n"
             << "kind: Config\n"
             << "clusters:\n"
             << "- name: fake\n"
             << "  cluster:\n"
             << "    server: " << url() << "\n"
             << "    certificate-authority: " << ca_path().string() << "\n"
             << "users:\n"
             << "- name: token-user\n"
             << "  user:\n"
             << "    token: " << token() << "\n"
             << "- name: cert-user\n"
             << "  user:\n"
             << "    client-certificate: " << client_cert_path().string() << "\n"
             << "    client-key: " << client_key_path().string() << "\n"
             << "contexts:\n"
             << "- name: fake\n"
             << "  context:\n"
             << "    cluster: fake\n"
             << "    user: token-user\n"
             << "- name: fake-cert\n"
             << "  context:\n"
             << "    cluster: fake\n"
             << "    user: cert-user\n"
             << "current-context: fake\n";
}

FakeApiServer::~FakeApiServer() {
  stop();
  if (std::getenv("GRAFLOW_KEEP_FAKE_APISERVER_DIR") == nullptr) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

void FakeApiServer::stop() {
  if (pid_ <= 0) {
    return;
  }
  kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  pid_ = -1;
}

std::string FakeApiServer::url() const { return "https://127.0.0.1:" + std::to_string(port_); }

std::string FakeApiServer::log() const { return read_file(dir_ / "server.log"); }

HttpResponse FakeApiServer::send(const HttpRequest& request) const {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    throw std::runtime_error("curl_easy_init failed");
  }
  CURL* c = curl.get();
  HttpResponse response;
  const std::string full_url = url() + request.path;
  const std::string ca = ca_path().string();
  curl_easy_setopt(c, CURLOPT_URL, full_url.c_str());
  curl_easy_setopt(c, CURLOPT_CAINFO, ca.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT" || request.method == "PATCH") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
  }
  const std::string cert = (request.wrong_client_cert ? dir_ / "wrong-client.crt" : client_cert_path()).string();
  const std::string key = (request.wrong_client_cert ? dir_ / "wrong-client.key" : client_key_path()).string();
  if (request.client_cert || request.wrong_client_cert) {
    curl_easy_setopt(c, CURLOPT_SSLCERT, cert.c_str());
    curl_easy_setopt(c, CURLOPT_SSLKEY, key.c_str());
  }
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(nullptr, curl_slist_free_all);
  std::vector<std::string> lines = request.headers;
  lines.emplace_back("Expect:");
  if (!request.content_type.empty()) {
    lines.push_back("Content-Type: " + request.content_type);
  }
  if (request.token) {
    lines.push_back("Authorization: Bearer " + *request.token);
  }
  for (const auto& line : lines) {
    headers.reset(curl_slist_append(headers.release(), line.c_str()));
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &response.body);
  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    response.error = curl_easy_strerror(rc);
    return response;
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  char* content_type = nullptr;
  curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &content_type);
  if (content_type != nullptr) {
    response.content_type = content_type;
  }
  return response;
}

HttpResponse FakeApiServer::control(const std::string& method, const std::string& path, const std::string& body) const {
  HttpRequest req;
  req.method = method;
  req.path = path;
  req.body = body;
  req.content_type = body.empty() ? "" : "application/json";
  return send(req);
}

json FakeApiServer::control_json(const std::string& method, const std::string& path, const std::string& body) const {
  const HttpResponse r = control(method, path, body);
  if (r.status < 200 || r.status > 299) {
    throw std::runtime_error("fake-apiserver control " + method + " " + path + " failed (" + std::to_string(r.status) +
                             "): " + (r.status == 0 ? r.error : r.body));
  }
  return r.json();
}

json FakeApiServer::put_object(const json& object) { return control_json("PUT", "/_fake/objects", object.dump()); }

void FakeApiServer::delete_all_objects() { control_json("DELETE", "/_fake/objects"); }

void FakeApiServer::add_fault(const json& fault) { control_json("POST", "/_fake/faults", fault.dump()); }

void FakeApiServer::clear_faults() { control_json("DELETE", "/_fake/faults"); }

json FakeApiServer::requests() { return control_json("GET", "/_fake/requests"); }

void FakeApiServer::clear_requests() { control_json("DELETE", "/_fake/requests"); }

void FakeApiServer::set_external_metric(const std::string& ns, const std::string& metric, const json& labels,
                                        const std::string& value) {
  control_json("POST", "/_fake/external-metrics",
               json{{"namespace", ns}, {"metric", metric}, {"labels", labels}, {"value", value}}.dump());
}

std::optional<json> FakeApiServer::get_object(const std::string& api_path) {
  const HttpResponse r = control("GET", "/_fake/objects" + api_path);
  if (r.status == 404) {
    return std::nullopt;
  }
  if (r.status != 200) {
    throw std::runtime_error("fake-apiserver GET " + api_path + " failed (" + std::to_string(r.status) +
                             "): " + (r.status == 0 ? r.error : r.body));
  }
  return r.json();
}

} // namespace graflow::testing
