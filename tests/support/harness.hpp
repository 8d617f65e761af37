#pragma once
// Test harness: temp dirs, free ports, child processes stopped by PID, and a real
// redis-server per test. Used by the integration tests; nothing here mocks Redis.
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace graflow::testing {

// A fresh directory under $TMPDIR, removed with everything in it on destruction.
class TempDir {
public:
  explicit TempDir(const std::string& prefix = "graflow-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
  std::filesystem::path path_;
};

// A loopback TCP port that was free a moment ago.
int free_port();

// Writes `text` to `path` (creating parent directories).
void write_text(const std::filesystem::path& path, const std::string& text);
std::string read_text(const std::filesystem::path& path);

struct ProcessOptions {
  // "NAME=value" sets, "-NAME" unsets; applied on top of a scrubbed copy of this
  // process's environment (GRAFLOW_*, REDIS_HOST, KEY_PREFIX, KUBECONFIG, XDG_* removed).
  std::vector<std::string> env;
  std::filesystem::path cwd;   // empty: inherit
  std::string stdin_text;      // fed through a file
};

// Options with just environment changes: graflowctl({...}, env({"KEY_PREFIX=x"})).
ProcessOptions env(std::vector<std::string> changes);

// A child process started with posix_spawn; stdout/stderr go to files. The destructor
// sends SIGTERM by PID, then SIGKILL after 3 s, and reaps it.
class Process {
public:
  Process(std::vector<std::string> argv, ProcessOptions options = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] bool running();
  void signal(int sig);
  // Waits for exit; returns the exit code (128+N for signal N), or nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  [[nodiscard]] std::string out() const;
  [[nodiscard]] std::string err() const;

private:
  TempDir dir_;
  pid_t pid_ = -1;
  std::optional<int> status_;
};

struct Result {
  int code = -1;
  std::string out;
  std::string err;
};

// Runs a command to completion (killing it after `timeout`).
Result run(std::vector<std::string> argv, ProcessOptions options = {},
           std::chrono::milliseconds timeout = std::chrono::seconds(60));

// The graflowctl binary under test (GRAFLOW_BINARY).
std::string graflowctl_binary();
// Runs graflowctl as a separate process with `args`.
Result graflowctl(const std::vector<std::string>& args, ProcessOptions options = {},
                  std::chrono::milliseconds timeout = std::chrono::seconds(60));

// Blocks until something accepts TCP connections on 127.0.0.1:port, or throws.
// Sleeps until two wall-clock second boundaries have passed, plus a little: after that, a
// no-op server-side apply reads "unchanged" (kube::apply_outcome: stamps and the Date header
// have whole seconds, so the previous change must be older than the second before Date).
void wait_for_stamps_to_age();

void wait_for_port(int port, std::chrono::milliseconds timeout = std::chrono::seconds(10));

struct RedisOptions {
  std::string requirepass;             // AUTH password for the default user
  std::string acl_user;                // an extra ACL user with access to everything...
  std::string acl_password;            // ...and this password
  std::vector<std::string> extra_args; // passed to redis-server
  // With tls_cert set, the server also listens with TLS on tls_port() (the plaintext port
  // stays, for seeding and inspecting).
  std::filesystem::path tls_cert;
  std::filesystem::path tls_key;
  std::filesystem::path tls_ca;          // CA for client certificates
  std::string tls_auth_clients = "no";   // "yes": mTLS required
};

// Certificates made with the openssl command for one test: a CA, and server certificates
// for 127.0.0.1/localhost that are good, expired, for another name, or from an unknown CA,
// plus a client certificate from the CA. All share one key per role.
class TestCa {
public:
  TestCa();
  [[nodiscard]] std::filesystem::path ca() const { return dir_ / "ca.crt"; }
  [[nodiscard]] std::filesystem::path server_key() const { return dir_ / "server.key"; }
  [[nodiscard]] std::filesystem::path server_cert() const { return dir_ / "server.crt"; }
  [[nodiscard]] std::filesystem::path expired_cert() const { return dir_ / "expired.crt"; }
  [[nodiscard]] std::filesystem::path wrong_name_cert() const { return dir_ / "wrong-name.crt"; }
  [[nodiscard]] std::filesystem::path unknown_ca_cert() const { return dir_ / "unknown-ca.crt"; }
  [[nodiscard]] std::filesystem::path client_cert() const { return dir_ / "client.crt"; }
  [[nodiscard]] std::filesystem::path client_key() const { return dir_ / "client.key"; }
  // RedisOptions for a TLS server presenting `cert` (server_key()), trusting ca() for clients.
  [[nodiscard]] RedisOptions redis(const std::filesystem::path& cert, const std::string& auth_clients = "no") const;

private:
  TempDir dir_;
};

RedisOptions with_password(const std::string& password);
RedisOptions with_acl_user(const std::string& user, const std::string& password);

// A real redis-server (Debian package) on a free loopback port, stopped by PID.
class RedisServer {
public:
  explicit RedisServer(RedisOptions options = {});
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] pid_t pid() const;
  // redis://[credentials@]127.0.0.1:port/db, with the default user's password if any.
  [[nodiscard]] std::string url(int db = 0) const;
  // The TLS port (0 without RedisOptions::tls_cert) and rediss://[credentials@]127.0.0.1:port/db.
  [[nodiscard]] int tls_port() const { return tls_port_; }
  [[nodiscard]] std::string tls_url(int db = 0) const;
  // Runs one command as the admin (default user) and returns the reply as text
  // (integers as digits, errors prefixed with "ERR:"). For seeding and inspecting.
  std::string command(const std::vector<std::string>& args, int db = 0) const;
  // Pushes `count` tasks onto `key`.
  void push(const std::string& key, int count, int db = 0) const;
  // Stops the server (SIGTERM by PID, wait); start() brings it back on the same port.
  void stop();
  void start();

private:
  RedisOptions options_;
  TempDir dir_;
  int port_;
  int tls_port_ = 0;
  std::unique_ptr<Process> process_;
};

// Runs one command on the Redis (or sentinel) at 127.0.0.1:port, after AUTH `password` when
// not empty and SELECT `db` when not 0; the reply as RedisServer::command gives it (an
// array's elements joined by spaces).
std::string redis_command(int port, const std::string& password, const std::vector<std::string>& args, int db = 0);

struct SentinelMonitor {
  std::string name; // the master's name
  int port = 0;     // its port on 127.0.0.1
  int quorum = 2;
};

struct SentinelOptions {
  std::vector<SentinelMonitor> monitors;
  int down_after_ms = 1000;
  int failover_timeout_ms = 3000;
  std::string requirepass; // the sentinels' own password (also used between them)
};

// A real Redis Sentinel (redis-server --sentinel, Debian package) on a free loopback port,
// with its own writable config file, stopped by PID.
class SentinelServer {
public:
  explicit SentinelServer(SentinelOptions options);
  ~SentinelServer();
  SentinelServer(const SentinelServer&) = delete;
  SentinelServer& operator=(const SentinelServer&) = delete;

  [[nodiscard]] int port() const { return port_; }
  // "127.0.0.1:port", for a redis+sentinel:// URL.
  [[nodiscard]] std::string host_port() const { return "127.0.0.1:" + std::to_string(port_); }
  // Runs one command on the sentinel (AUTH with its password first).
  std::string command(const std::vector<std::string>& args) const;

private:
  SentinelOptions options_;
  TempDir dir_;
  int port_;
  std::unique_ptr<Process> process_;
};

// A Redis Cluster of `masters` real redis-server nodes on free loopback ports, joined with
// `redis-cli --cluster create` (no replicas, cluster-node-timeout 1 s, full coverage not
// required so the others keep serving when one is stopped), each stopped by PID.
class RedisCluster {
public:
  // `base` is every node's RedisOptions (TLS: with tls_cert set the nodes also get
  // tls-cluster and tls-replication, so the bus and the slot map are TLS; the plaintext
  // port stays for the harness's own seeding and inspecting).
  explicit RedisCluster(int masters = 3, RedisOptions base = {});
  [[nodiscard]] std::size_t size() const { return nodes_.size(); }
  [[nodiscard]] RedisServer& node(std::size_t i) { return *nodes_.at(i); }
  // redis+cluster://127.0.0.1:p1,127.0.0.1:p2,... (every node a seed).
  [[nodiscard]] std::string url() const;
  // rediss+cluster://127.0.0.1:tls1,... (the TLS ports; RedisOptions::tls_cert given).
  [[nodiscard]] std::string tls_url() const;
  // The index of the node that serves `key` (asked with TYPE; it answers MOVED elsewhere).
  [[nodiscard]] std::size_t owner(const std::string& key) const;
  // Runs a command whose key is args[1] on the node that serves it (RedisServer::command).
  std::string command(const std::vector<std::string>& args) const;
  // The node's cluster ID (CLUSTER MYID).
  [[nodiscard]] std::string id(std::size_t i) const;
  // Waits until every running node says cluster_state:ok, or throws.
  void wait_ok(std::chrono::milliseconds timeout = std::chrono::seconds(20)) const;

private:
  std::vector<std::unique_ptr<RedisServer>> nodes_;
};

} // namespace graflow::testing
