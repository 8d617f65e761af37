#include "graflow/kube/exec_credential.hpp"

#include "graflow/core/atomic_file.hpp"
#include "graflow/core/error.hpp"
#include "graflow/core/log.hpp"
#include "graflow/kube/base64.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <spawn.h>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace graflow::kube {
namespace fs = std::filesystem;
using json = nlohmann::json;
using std::chrono::system_clock;

namespace {

// Credentials of the whole process, by plugin invocation: each plugin runs at most once
// per credential lifetime, however many clients use it.
struct MemoryCache {
  std::mutex mutex;
  std::map<std::string, ExecCredential> entries;
};

MemoryCache& memory_cache() {
  static MemoryCache cache;
  return cache;
}

class Fd {
public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }

private:
  int fd_ = -1;
};

struct Pipe {
  Pipe(int r, int w) : read(r), write(w) {}
  Fd read;
  Fd write;
};

std::unique_ptr<Pipe> make_pipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    throw failure(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
  }
  return std::make_unique<Pipe>(fds[0], fds[1]);
}

class SpawnActions {
public:
  SpawnActions() { posix_spawn_file_actions_init(&actions_); }
  ~SpawnActions() { posix_spawn_file_actions_destroy(&actions_); }
  SpawnActions(const SpawnActions&) = delete;
  SpawnActions& operator=(const SpawnActions&) = delete;
  posix_spawn_file_actions_t* get() { return &actions_; }

private:
  posix_spawn_file_actions_t actions_{};
};

struct ProcessResult {
  int exit_code = 0; // 128+N for signal N
  std::string out;
  std::string err;
};

// Runs argv[0] (PATH lookup unless it has a '/') without a shell; stdout is captured,
// stderr captured unless `pass_stderr`, stdin is /dev/null unless `pass_stdin`.
// Throws a failure Error when it cannot be started; errno ENOENT says "not found".
ProcessResult run_process(const std::vector<std::string>& argv, const std::vector<std::string>& env, bool pass_stdin,
                          bool pass_stderr, int& spawn_errno) {
  auto out = make_pipe();
  auto err = make_pipe();
  SpawnActions actions;
  posix_spawn_file_actions_adddup2(actions.get(), out->write.get(), 1);
  if (!pass_stderr) {
    posix_spawn_file_actions_adddup2(actions.get(), err->write.get(), 2);
  }
  if (!pass_stdin) {
    posix_spawn_file_actions_addopen(actions.get(), 0, "/dev/null", O_RDONLY, 0);
  }
  std::vector<char*> c_argv;
  for (const auto& a : argv) {
    c_argv.push_back(const_cast<char*>(a.c_str()));
  }
  c_argv.push_back(nullptr);
  std::vector<char*> c_env;
  for (const auto& e : env) {
    c_env.push_back(const_cast<char*>(e.c_str()));
  }
  c_env.push_back(nullptr);
  pid_t pid = -1;
  const bool has_slash = argv[0].find('/') != std::string::npos;
  const int rc = has_slash ? posix_spawn(&pid, argv[0].c_str(), actions.get(), nullptr, c_argv.data(), c_env.data())
                           : posix_spawnp(&pid, argv[0].c_str(), actions.get(), nullptr, c_argv.data(), c_env.data());
  spawn_errno = rc;
  ProcessResult result;
  if (rc != 0) {
    return result;
  }
  out->write.reset();
  err->write.reset();
  constexpr std::size_t k_limit = 4U << 20U; // a credential is a few KiB; don't hoard a runaway plugin's output
  pollfd fds[2] = {{out->read.get(), POLLIN, 0}, {err->read.get(), POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open = pass_stderr ? 1 : 2;
  if (pass_stderr) {
    fds[1].fd = -1;
  }
  char buf[8192];
  while (open > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
        if (n > 0) {
          if (sinks[i]->size() < k_limit) {
            sinks[i]->append(buf, static_cast<std::size_t>(n));
          }
        } else if (n == 0 || errno != EINTR) {
          fds[i].fd = -1;
          --open;
        }
      }
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::vector<std::string> child_env(const ExecConfig& exec, const std::string& info) {
  std::map<std::string, std::string> vars;
  std::vector<std::string> order;
  auto set = [&](const std::string& name, const std::string& value) {
    if (vars.find(name) == vars.end()) {
      order.push_back(name);
    }
    vars[name] = value;
  };
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    const auto eq = entry.find('=');
    if (eq != std::string::npos) {
      set(entry.substr(0, eq), entry.substr(eq + 1));
    }
  }
  for (const auto& [name, value] : exec.env) {
    set(name, value);
  }
  set("KUBERNETES_EXEC_INFO", info);
  std::vector<std::string> out;
  out.reserve(order.size());
  for (const auto& name : order) {
    out.push_back(name + "=" + vars[name]);
  }
  return out;
}

std::string last_lines(std::string text, std::size_t max = 2000) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  if (text.size() > max) {
    text = "…" + text.substr(text.size() - max);
  }
  return text;
}

std::string with_hint(std::string message, const ExecConfig& exec) {
  if (!exec.install_hint.empty()) {
    message += "\n" + last_lines(exec.install_hint);
  }
  return message;
}

// FNV-1a: a stable name for the cache file of one plugin invocation.
std::string fnv1a_hex(const std::string& text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return fmt::format("{:016x}", h);
}

std::string format_rfc3339(system_clock::time_point t) {
  const std::time_t secs = system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

} // namespace

std::optional<system_clock::time_point> parse_rfc3339(const std::string& text) {
  std::tm tm{};
  const char* p = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (p == nullptr) {
    return std::nullopt;
  }
  double fraction = 0;
  if (*p == '.') {
    const char* start = p;
    ++p;
    while (*p >= '0' && *p <= '9') {
      ++p;
    }
    fraction = std::strtod(std::string(start, p).c_str(), nullptr);
  }
  long offset = 0;
  if (*p == 'Z' || *p == 'z') {
    ++p;
  } else if (*p == '+' || *p == '-') {
    const int sign = *p == '-' ? -1 : 1;
    int hh = 0;
    int mm = 0;
    if (std::sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2) {
      return std::nullopt;
    }
    offset = sign * (hh * 3600L + mm * 60L);
    p += 6;
  } else {
    return std::nullopt;
  }
  if (*p != '\0') {
    return std::nullopt;
  }
  const std::time_t secs = timegm(&tm) - offset;
  return system_clock::from_time_t(secs) +
         std::chrono::duration_cast<system_clock::duration>(std::chrono::duration<double>(fraction));
}

ExecCredential parse_exec_credential(const std::string& json_text, const std::string& api_version,
                                     const std::string& plugin) {
  auto bad = [&](const std::string& what) {
    return failure(fmt::format("exec credential plugin \"{}\" returned an invalid ExecCredential: {}", plugin, what));
  };
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::exception&) {
    // Never echo the output: it may hold a token.
    throw bad(json_text.empty() ? "its output is empty" : "its output is not JSON");
  }
  if (!doc.is_object()) {
    throw bad("its output is not a JSON object");
  }
  if (doc.value("kind", "") != "ExecCredential") {
    throw bad(fmt::format("kind is \"{}\", not ExecCredential", doc.value("kind", "")));
  }
  if (doc.value("apiVersion", "") != api_version) {
    throw bad(fmt::format("apiVersion is \"{}\" but the kubeconfig asks for \"{}\"", doc.value("apiVersion", ""),
                          api_version));
  }
  const auto status = doc.find("status");
  if (status == doc.end() || !status->is_object()) {
    throw bad("it has no status");
  }
  ExecCredential c;
  auto str = [&](const char* key) {
    const auto it = status->find(key);
    return it != status->end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  c.token = str("token");
  c.client_cert_pem = str("clientCertificateData");
  c.client_key_pem = str("clientKeyData");
  if (c.client_cert_pem.empty() != c.client_key_pem.empty()) {
    throw bad("status has clientCertificateData or clientKeyData but not both");
  }
  if (c.token.empty() && c.client_cert_pem.empty()) {
    throw bad("status has neither a token nor clientCertificateData and clientKeyData");
  }
  if (const std::string exp = str("expirationTimestamp"); !exp.empty()) {
    c.expiry = parse_rfc3339(exp);
    if (!c.expiry) {
      throw bad(fmt::format("expirationTimestamp \"{}\" is not an RFC 3339 time", exp));
    }
  }
  return c;
}

std::string exec_info_json(const ExecConfig& exec, const RestConfig& cluster, bool interactive) {
  json spec = {{"interactive", interactive}};
  if (exec.provide_cluster_info) {
    json c = {{"server", cluster.server}};
    if (!cluster.tls.server_name.empty()) {
      c["tls-server-name"] = cluster.tls.server_name;
    }
    if (cluster.tls.insecure_skip_verify) {
      c["insecure-skip-tls-verify"] = true;
    }
    if (!cluster.tls.ca_pem.empty()) {
      c["certificate-authority-data"] = base64_encode(cluster.tls.ca_pem);
    }
    spec["cluster"] = c;
  }
  return json{{"apiVersion", exec.api_version}, {"kind", "ExecCredential"}, {"spec", spec}}.dump();
}

fs::path default_exec_cache_dir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg == '/') {
    return fs::path(xdg) / "graflowctl" / "exec";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return fs::path(home) / ".cache" / "graflowctl" / "exec";
  }
  return {};
}

ExecCredentialProvider::ExecCredentialProvider(RestConfig cluster, Options options)
    : cluster_(std::move(cluster)), exec_(cluster_.auth.exec.value()), options_(std::move(options)) {
  json id = {exec_.api_version, exec_.command, exec_.args, exec_.env, cluster_.server, cluster_.user};
  key_ = fnv1a_hex(id.dump());
}

system_clock::time_point ExecCredentialProvider::now() const {
  return options_.now ? options_.now() : system_clock::now();
}

bool ExecCredentialProvider::valid(const ExecCredential& c) const { return !c.expiry || now() < *c.expiry; }

ExecCredential ExecCredentialProvider::get() {
  auto& cache = memory_cache();
  std::lock_guard lock(cache.mutex);
  if (const auto it = cache.entries.find(key_); it != cache.entries.end() && valid(it->second)) {
    return it->second;
  }
  const fs::path file = options_.cache_dir.empty() ? fs::path() : options_.cache_dir / (key_ + ".json");
  if (!file.empty()) {
    // Only a file that is ours and private: anything else could be planted.
    struct stat st{};
    if (::stat(file.c_str(), &st) == 0 && st.st_uid == ::geteuid() && (st.st_mode & 077) == 0) {
      std::ifstream in(file, std::ios::binary);
      std::stringstream buf;
      buf << in.rdbuf();
      try {
        ExecCredential c = parse_exec_credential(buf.str(), exec_.api_version, exec_.command);
        if (c.expiry && valid(c)) {
          log::debug(2, "exec plugin {}: using the cached credential ({})", exec_.command, file.string());
          cache.entries[key_] = c;
          return c;
        }
      } catch (const Error&) {
        // a damaged cache file: run the plugin and overwrite it
      }
    }
  }
  ExecCredential c = run_plugin();
  cache.entries[key_] = c;
  return c;
}

void ExecCredentialProvider::invalidate() {
  auto& cache = memory_cache();
  std::lock_guard lock(cache.mutex);
  cache.entries.erase(key_);
  if (!options_.cache_dir.empty()) {
    std::error_code ec;
    fs::remove(options_.cache_dir / (key_ + ".json"), ec);
  }
}

void ExecCredentialProvider::clear_memory_cache() {
  auto& cache = memory_cache();
  std::lock_guard lock(cache.mutex);
  cache.entries.clear();
}

ExecCredential ExecCredentialProvider::run_plugin() {
  const std::string who = cluster_.user.empty() ? "" : fmt::format(" (user \"{}\")", cluster_.user);
  const bool tty = isatty(STDIN_FILENO) != 0;
  if (exec_.interactive_mode == "Always" && !tty) {
    throw failure(with_hint(fmt::format("exec credential plugin \"{}\"{} needs a terminal (interactiveMode: Always) "
                                        "but standard input is not one",
                                        exec_.command, who),
                            exec_));
  }
  const bool interactive = tty && exec_.interactive_mode != "Never";
  std::vector<std::string> argv = {exec_.command};
  argv.insert(argv.end(), exec_.args.begin(), exec_.args.end());
  const auto started = std::chrono::steady_clock::now();
  int spawn_errno = 0;
  ProcessResult r = run_process(argv, child_env(exec_, exec_info_json(exec_, cluster_, interactive)), interactive,
                                interactive, spawn_errno);
  if (spawn_errno != 0) {
    const std::string what = spawn_errno == ENOENT ? (exec_.command.find('/') == std::string::npos
                                                          ? std::string("was not found in PATH")
                                                          : std::string("does not exist"))
                                                   : fmt::format("cannot be started: {}", std::strerror(spawn_errno));
    throw failure(with_hint(fmt::format("exec credential plugin \"{}\"{} {}", exec_.command, who, what), exec_));
  }
  log::debug(1, "exec plugin {}: exit {} in {} ms", exec_.command, r.exit_code,
             std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count());
  if (r.exit_code != 0) {
    const std::string err = last_lines(r.err);
    throw failure(with_hint(fmt::format("exec credential plugin \"{}\"{} failed with exit code {}{}", exec_.command,
                                        who, r.exit_code, err.empty() ? "" : ": " + err),
                            exec_));
  }
  if (!r.err.empty()) {
    log::debug(2, "exec plugin {} wrote on stderr: {}", exec_.command, last_lines(r.err, 500));
  }
  ExecCredential c = parse_exec_credential(r.out, exec_.api_version, exec_.command);
  if (c.expiry && !options_.cache_dir.empty()) {
    // A credential without expiry is kept in memory only, as client-go does.
    std::error_code ec;
    fs::create_directories(options_.cache_dir, ec);
    fs::permissions(options_.cache_dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    try {
      write_file_atomically(options_.cache_dir / (key_ + ".json"), r.out, 0600);
    } catch (const Error& e) {
      log::debug(1, "exec plugin {}: not caching the credential: {}", exec_.command, e.what());
    }
  }
  if (c.expiry) {
    log::debug(2, "exec plugin {}: credential valid until {}", exec_.command, format_rfc3339(*c.expiry));
  }
  return c;
}

} // namespace graflow::kube
