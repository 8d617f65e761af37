#include "harness.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <random>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

#ifndef GRAFLOW_BINARY
#define GRAFLOW_BINARY "graflowctl"
#endif

namespace graflow::testing {
namespace {

std::vector<std::string> child_environment(const std::vector<std::string>& changes) {
  static const char* const scrubbed[] = {"GRAFLOW_", "REDIS_HOST=", "KEY_PREFIX=", "KUBECONFIG=", "XDG_", "NO_COLOR="};
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    bool keep = true;
    for (const char* s : scrubbed) {
      if (entry.rfind(s, 0) == 0) {
        keep = false;
      }
    }
    if (keep) {
      env.push_back(entry);
    }
  }
  for (const auto& change : changes) {
    const bool unset = !change.empty() && change[0] == '-';
    const std::string name = unset ? change.substr(1) : change.substr(0, change.find('='));
    std::erase_if(env, [&](const std::string& e) { return e.rfind(name + "=", 0) == 0; });
    if (!unset) {
      env.push_back(change);
    }
  }
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) {
    out.push_back(s.data());
  }
  out.push_back(nullptr);
  return out;
}

} // namespace

ProcessOptions env(std::vector<std::string> changes) {
  ProcessOptions o;
  o.env = std::move(changes);
  return o;
}

RedisOptions with_password(const std::string& password) {
  RedisOptions o;
  o.requirepass = password;
  return o;
}

RedisOptions with_acl_user(const std::string& user, const std::string& password) {
  RedisOptions o;
  o.acl_user = user;
  o.acl_password = password;
  return o;
}

TempDir::TempDir(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/" + prefix + "-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed: " + std::string(std::strerror(errno)));
  }
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    throw std::runtime_error("cannot bind a free port");
  }
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  if (path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path());
  }
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

Process::Process(std::vector<std::string> argv, ProcessOptions options) : dir_("graflow-proc") {
  write_text(dir_ / "stdin", options.stdin_text);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, (dir_ / "stdin").c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, (dir_ / "stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, (dir_ / "stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (!options.cwd.empty()) {
    posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str());
  }
  auto env = child_environment(options.env);
  auto c_env = c_strings(env);
  auto c_argv = c_strings(argv);
  const int rc = posix_spawnp(&pid_, c_argv[0], &actions, nullptr, c_argv.data(), c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  }
}

Process::~Process() {
  if (pid_ > 0 && !status_) {
    ::kill(pid_, SIGTERM);
    if (!wait(std::chrono::seconds(3))) {
      ::kill(pid_, SIGKILL);
      wait(std::chrono::seconds(5));
    }
  }
}

bool Process::running() {
  if (status_) {
    return false;
  }
  int st = 0;
  if (waitpid(pid_, &st, WNOHANG) == pid_) {
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return false;
  }
  return true;
}

void Process::signal(int sig) {
  if (running()) {
    ::kill(pid_, sig);
  }
}

std::optional<int> Process::wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return status_;
}

std::string Process::out() const { return read_text(dir_ / "stdout"); }
std::string Process::err() const { return read_text(dir_ / "stderr"); }

Result run(std::vector<std::string> argv, ProcessOptions options, std::chrono::milliseconds timeout) {
  Process p(std::move(argv), std::move(options));
  auto code = p.wait(timeout);
  if (!code) {
    p.signal(SIGKILL);
    p.wait(std::chrono::seconds(5));
    return Result{-1, p.out(), p.err() + "\n(killed after timeout)"};
  }
  return Result{*code, p.out(), p.err()};
}

std::string graflowctl_binary() {
  if (const char* env = std::getenv("GRAFLOW_BINARY_OVERRIDE"); env != nullptr && *env != '\0') {
    return env;
  }
  return GRAFLOW_BINARY;
}

Result graflowctl(const std::vector<std::string>& args, ProcessOptions options, std::chrono::milliseconds timeout) {
  std::vector<std::string> argv = {graflowctl_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(std::move(argv), std::move(options), timeout);
}

void wait_for_port(int port, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    if (ok) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw std::runtime_error("nothing listens on 127.0.0.1:" + std::to_string(port));
}

RedisServer::RedisServer(RedisOptions options) : options_(std::move(options)), dir_("graflow-redis"), port_(free_port()) {
  if (!options_.tls_cert.empty()) {
    do {
      tls_port_ = free_port();
    } while (tls_port_ == port_);
  }
  start();
}

namespace {

void openssl(std::vector<std::string> args, const std::filesystem::path& dir) {
  args.insert(args.begin(), "openssl");
  ProcessOptions o;
  o.cwd = dir;
  const auto r = run(args, o, std::chrono::seconds(30));
  if (r.code != 0) {
    throw std::runtime_error("openssl failed: " + r.err);
  }
}

void make_key(const std::string& name, const std::filesystem::path& dir) {
  openssl({"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-out", name}, dir);
}

// A certificate for `key` with `san`, signed by ca_name.crt/.key, valid for `days` (-1: expired).
void make_cert(const std::string& out, const std::string& key, const std::string& cn, const std::string& san,
               const std::string& ca_name, int days, const std::filesystem::path& dir) {
  openssl({"req", "-new", "-key", key, "-subj", "/CN=" + cn, "-out", out + ".csr"}, dir);
  write_text(dir / (out + ".ext"), san.empty() ? "extendedKeyUsage=clientAuth\n" : "subjectAltName=" + san + "\n");
  openssl({"x509", "-req", "-in", out + ".csr", "-CA", ca_name + ".crt", "-CAkey", ca_name + ".key",
           "-CAcreateserial", "-days", std::to_string(days), "-extfile", out + ".ext", "-out", out},
          dir);
}

} // namespace

TestCa::TestCa() : dir_("graflow-ca") {
  const auto& d = dir_.path();
  for (const char* ca : {"ca", "other-ca"}) {
    make_key(std::string(ca) + ".key", d);
    openssl({"req", "-x509", "-new", "-key", std::string(ca) + ".key", "-subj", std::string("/CN=graflow test ") + ca,
             "-days", "2", "-out", std::string(ca) + ".crt"},
            d);
  }
  make_key("server.key", d);
  make_key("client.key", d);
  const std::string san = "DNS:localhost,IP:127.0.0.1";
  make_cert("server.crt", "server.key", "localhost", san, "ca", 2, d);
  make_cert("expired.crt", "server.key", "localhost", san, "ca", -1, d);
  make_cert("wrong-name.crt", "server.key", "wrong.example", "DNS:wrong.example", "ca", 2, d);
  make_cert("unknown-ca.crt", "server.key", "localhost", san, "other-ca", 2, d);
  make_cert("client.crt", "client.key", "graflow-client", "", "ca", 2, d);
}

RedisOptions TestCa::redis(const std::filesystem::path& cert, const std::string& auth_clients) const {
  RedisOptions o;
  o.tls_cert = cert;
  o.tls_key = server_key();
  o.tls_ca = ca();
  o.tls_auth_clients = auth_clients;
  return o;
}

std::string RedisServer::tls_url(int db) const {
  const std::string auth = options_.requirepass.empty() ? "" : ":" + options_.requirepass + "@";
  return "rediss://" + auth + "127.0.0.1:" + std::to_string(tls_port_) + "/" + std::to_string(db);
}

RedisServer::~RedisServer() { stop(); }

pid_t RedisServer::pid() const { return process_ ? process_->pid() : -1; }

void RedisServer::start() {
  std::vector<std::string> argv = {"redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1",
                                   "--save", "", "--appendonly", "no", "--daemonize", "no",
                                   "--dir", dir_.path().string(), "--logfile", (dir_ / "redis.log").string()};
  if (!options_.requirepass.empty()) {
    argv.insert(argv.end(), {"--requirepass", options_.requirepass});
  }
  if (!options_.acl_user.empty()) {
    argv.insert(argv.end(), {"--user", options_.acl_user, "on", ">" + options_.acl_password, "~*", "&*", "+@all"});
  }
  if (!options_.tls_cert.empty()) {
    argv.insert(argv.end(), {"--tls-port", std::to_string(tls_port_), "--tls-cert-file", options_.tls_cert.string(),
                             "--tls-key-file", options_.tls_key.string(), "--tls-ca-cert-file",
                             options_.tls_ca.string(), "--tls-auth-clients", options_.tls_auth_clients});
  }
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  process_ = std::make_unique<Process>(argv);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_->running()) {
      throw std::runtime_error("redis-server exited: " + process_->err() + read_text(dir_ / "redis.log"));
    }
    if (command({"PING"}) == "PONG") {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw std::runtime_error("redis-server did not answer PING on port " + std::to_string(port_));
}

void RedisServer::stop() {
  if (process_) {
    process_->signal(SIGTERM);
    if (!process_->wait(std::chrono::seconds(5))) {
      process_->signal(SIGKILL);
      process_->wait(std::chrono::seconds(5));
    }
    process_.reset();
  }
}

std::string RedisServer::url(int db) const {
  const std::string auth = options_.requirepass.empty() ? "" : ":" + options_.requirepass + "@";
  return "redis://" + auth + "127.0.0.1:" + std::to_string(port_) + "/" + std::to_string(db);
}

namespace {

std::string reply_text(const redisReply* r) {
  switch (r->type) {
  case REDIS_REPLY_INTEGER:
    return std::to_string(r->integer);
  case REDIS_REPLY_STRING:
  case REDIS_REPLY_STATUS:
    return std::string(r->str, r->len);
  case REDIS_REPLY_ERROR:
    return "ERR:" + std::string(r->str, r->len);
  case REDIS_REPLY_NIL:
    return "(nil)";
  case REDIS_REPLY_ARRAY: {
    std::string out;
    for (std::size_t i = 0; i < r->elements; ++i) {
      out += (i == 0 ? "" : " ") + reply_text(r->element[i]);
    }
    return out;
  }
  default:
    return "(unknown)";
  }
}

} // namespace

std::string redis_command(int port, const std::string& password, const std::vector<std::string>& args, int db) {
  timeval tv{1, 0};
  redisContext* c = redisConnectWithTimeout("127.0.0.1", port, tv);
  if (c == nullptr || c->err != 0) {
    if (c != nullptr) {
      redisFree(c);
    }
    return "ERR:connect";
  }
  auto simple = [&](const std::vector<std::string>& cmd) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const auto& a : cmd) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    auto* r = static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data()));
    std::string out = "ERR:no reply";
    if (r != nullptr) {
      out = reply_text(r);
      freeReplyObject(r);
    }
    return out;
  };
  if (!password.empty()) {
    simple({"AUTH", password});
  }
  if (db != 0) {
    simple({"SELECT", std::to_string(db)});
  }
  std::string out = simple(args);
  redisFree(c);
  return out;
}

std::string RedisServer::command(const std::vector<std::string>& args, int db) const {
  return redis_command(port_, options_.requirepass, args, db);
}

void RedisServer::push(const std::string& key, int count, int db) const {
  std::vector<std::string> cmd = {"RPUSH", key};
  for (int i = 0; i < count; ++i) {
    cmd.push_back("task-" + std::to_string(i));
  }
  if (count > 0) {
    command(cmd, db);
  }
}

SentinelServer::SentinelServer(SentinelOptions options)
    : options_(std::move(options)), dir_("graflow-sentinel"), port_(free_port()) {
  std::string conf = "port " + std::to_string(port_) + "\nbind 127.0.0.1\ndaemonize no\ndir " + dir_.path().string() +
                     "\nlogfile " + (dir_ / "sentinel.log").string() + "\n";
  if (!options_.requirepass.empty()) {
    // The sentinels talk to each other too: they need the same password.
    conf += "requirepass " + options_.requirepass + "\nsentinel sentinel-pass " + options_.requirepass + "\n";
  }
  for (const auto& m : options_.monitors) {
    conf += "sentinel monitor " + m.name + " 127.0.0.1 " + std::to_string(m.port) + " " + std::to_string(m.quorum) +
            "\nsentinel down-after-milliseconds " + m.name + " " + std::to_string(options_.down_after_ms) +
            "\nsentinel failover-timeout " + m.name + " " + std::to_string(options_.failover_timeout_ms) + "\n";
  }
  write_text(dir_ / "sentinel.conf", conf);
  process_ = std::make_unique<Process>(std::vector<std::string>{"redis-server", (dir_ / "sentinel.conf").string(), "--sentinel"});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_->running()) {
      throw std::runtime_error("redis-server --sentinel exited: " + process_->err() + read_text(dir_ / "sentinel.log"));
    }
    if (command({"PING"}) == "PONG") {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw std::runtime_error("the sentinel did not answer PING on port " + std::to_string(port_));
}

SentinelServer::~SentinelServer() {
  process_->signal(SIGTERM);
  if (!process_->wait(std::chrono::seconds(5))) {
    process_->signal(SIGKILL);
    process_->wait(std::chrono::seconds(5));
  }
}

std::string SentinelServer::command(const std::vector<std::string>& args) const {
  return redis_command(port_, options_.requirepass, args, 0);
}

void wait_for_stamps_to_age() {
  const auto now = std::chrono::system_clock::now();
  const auto next = std::chrono::floor<std::chrono::seconds>(now) + std::chrono::seconds(2);
  std::this_thread::sleep_until(next + std::chrono::milliseconds(50));
}

RedisCluster::RedisCluster(int masters, RedisOptions base) {
  std::vector<std::string> create = {"redis-cli", "--cluster", "create"};
  for (int i = 0; i < masters; ++i) {
    // The bus port is port + 10000 by default, which a free ephemeral port may not allow.
    RedisOptions o = base;
    o.extra_args = {"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout",
                    "1000", "--cluster-require-full-coverage", "no", "--cluster-port", std::to_string(free_port())};
    if (!base.tls_cert.empty()) {
      o.extra_args.insert(o.extra_args.end(), {"--tls-cluster", "yes", "--tls-replication", "yes"});
    }
    o.extra_args.insert(o.extra_args.end(), base.extra_args.begin(), base.extra_args.end());
    nodes_.push_back(std::make_unique<RedisServer>(o));
    // Over TLS the nodes meet at their TLS ports, the ones the slot map then names.
    const int port = base.tls_cert.empty() ? nodes_.back()->port() : nodes_.back()->tls_port();
    create.push_back("127.0.0.1:" + std::to_string(port));
  }
  if (!base.tls_cert.empty()) {
    create.insert(create.begin() + 1, {"--tls", "--cacert", base.tls_ca.string()});
  }
  create.insert(create.end(), {"--cluster-replicas", "0", "--cluster-yes"});
  const auto r = run(create, {}, std::chrono::seconds(30));
  if (r.code != 0) {
    throw std::runtime_error("redis-cli --cluster create failed: " + r.out + r.err);
  }
  wait_ok();
}

std::string RedisCluster::url() const {
  std::string out = "redis+cluster://";
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    out += (i == 0 ? "" : ",") + std::string("127.0.0.1:") + std::to_string(nodes_[i]->port());
  }
  return out;
}

std::string RedisCluster::tls_url() const {
  std::string out = "rediss+cluster://";
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    out += (i == 0 ? "" : ",") + std::string("127.0.0.1:") + std::to_string(nodes_[i]->tls_port());
  }
  return out;
}

std::size_t RedisCluster::owner(const std::string& key) const {
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const std::string type = nodes_[i]->command({"TYPE", key});
    if (type.rfind("ERR:MOVED", 0) != 0 && type.rfind("ERR:ASK", 0) != 0 && type != "ERR:connect") {
      return i;
    }
  }
  throw std::runtime_error("no cluster node serves " + key);
}

std::string RedisCluster::command(const std::vector<std::string>& args) const {
  return nodes_.at(owner(args.at(1)))->command(args);
}

std::string RedisCluster::id(std::size_t i) const { return nodes_.at(i)->command({"CLUSTER", "MYID"}); }

void RedisCluster::wait_ok(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    bool ok = true;
    for (const auto& n : nodes_) {
      if (n->pid() > 0 && n->command({"CLUSTER", "INFO"}).find("cluster_state:ok") == std::string::npos) {
        ok = false;
      }
    }
    if (ok) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("the Redis cluster did not reach cluster_state:ok");
}

} // namespace graflow::testing
