#include "graflow/core/process.hpp"

#include "graflow/core/error.hpp"
#include "graflow/core/fd.hpp"
#include "graflow/core/paths.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <map>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace graflow::process {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;


// Both ends owned from the moment pipe2 returns, so no failure path leaks one.
struct Pipe {
  Fd read;
  Fd write;
};

void open_pipe(Pipe& p, const std::string& program) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    const int err = errno;
    throw StartError(fmt::format("cannot run {}: cannot create a pipe: {}", program, errno_text(err)), err);
  }
  p.read.reset(fds[0]);
  p.write.reset(fds[1]);
}

// Kills (the group of) a started child and reaps it unless wait() reaped it first: no
// exception or early return leaves a process running.
class Child {
public:
  Child(pid_t pid, bool group) : pid_(pid), group_(group) {}
  ~Child() {
    if (pid_ > 0) {
      kill();
      wait();
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  void kill() const {
    if (pid_ > 0) {
      ::kill(group_ ? -pid_ : pid_, SIGKILL);
    }
  }
  // Reaps the child; its exit code, 128+N for signal N.
  int wait() {
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

private:
  pid_t pid_;
  bool group_;
};

std::vector<std::string> child_environment(const Options& options) {
  std::map<std::string, std::string, std::less<>> overrides; // a later value of a name wins
  std::vector<std::string> order;
  for (const auto& [name, value] : options.env) {
    if (overrides.insert_or_assign(name, value).second) {
      order.push_back(name);
    }
  }
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry = *e;
    if (overrides.count(entry.substr(0, entry.find('='))) == 0) {
      out.emplace_back(entry);
    }
  }
  for (const auto& name : order) {
    out.push_back(name + "=" + overrides[name]);
  }
  return out;
}

// In the child, between fork and execve: only async-signal-safe calls.
[[noreturn]] void exec_child(const char* path, char* const* argv, char* const* envp, const Options& options,
                             pid_t parent, int null_fd, int out_fd, int err_fd, int report_fd) {
  if (options.own_process_group) {
    setpgid(0, 0);
  }
  // Dies with the thread that started it; the parent may already be gone by now.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) {
    _exit(127);
  }
  auto move_to = [](int fd, int target) {
    if (fd == target) {
      return fcntl(fd, F_SETFD, 0) == 0;
    }
    return dup2(fd, target) >= 0;
  };
  bool ok = (null_fd < 0 || move_to(null_fd, 0)) && move_to(out_fd, 1) && (err_fd < 0 || move_to(err_fd, 2));
  if (ok) {
    execve(path, argv, envp);
  }
  const int err = errno;
  while (write(report_fd, &err, sizeof err) < 0 && errno == EINTR) {
  }
  _exit(127);
}

void append_limited(std::string& sink, const char* data, std::size_t n, std::size_t limit) {
  if (sink.size() < limit) {
    sink.append(data, std::min(n, limit - sink.size()));
  }
}

} // namespace

Result run(const std::vector<std::string>& argv, const Options& options) {
  if (argv.empty() || argv[0].empty()) {
    throw StartError("cannot run an empty command", ENOENT);
  }
  const std::string& program = argv[0];
  const ProcessEnv process_env;
  const auto path = paths::find_program(program, options.lookup_env != nullptr ? *options.lookup_env : process_env);
  if (!path) {
    throw StartError(fmt::format("cannot run {}: not found in PATH", program), ENOENT);
  }
  // Everything the child needs is allocated before fork.
  const std::string path_text = path->string();
  std::vector<char*> c_argv;
  c_argv.reserve(argv.size() + 1);
  for (const auto& a : argv) {
    c_argv.push_back(const_cast<char*>(a.c_str()));
  }
  c_argv.push_back(nullptr);
  const std::vector<std::string> env = child_environment(options);
  std::vector<char*> c_env;
  c_env.reserve(env.size() + 1);
  for (const auto& e : env) {
    c_env.push_back(const_cast<char*>(e.c_str()));
  }
  c_env.push_back(nullptr);
  char* const* envp = options.env.empty() ? environ : c_env.data();

  Pipe out;
  Pipe err;
  Pipe report; // the child's execve errno; EOF when execve succeeded
  open_pipe(out, program);
  open_pipe(err, program);
  open_pipe(report, program);
  Fd null_fd;
  if (!options.inherit_stdin) {
    null_fd.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  }
  const auto started = steady_clock::now();
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    const int e = errno;
    throw StartError(fmt::format("cannot run {}: {}", program, errno_text(e)), e);
  }
  if (pid == 0) {
    exec_child(path_text.c_str(), c_argv.data(), envp, options, parent, null_fd.get(), out.write.get(),
               options.inherit_stderr ? -1 : err.write.get(), report.write.get());
  }
  if (options.own_process_group) {
    setpgid(pid, pid); // also here, so kill(-pid) works even before the child ran
  }
  Child child(pid, options.own_process_group);
  out.write.reset();
  err.write.reset();
  report.write.reset();
  null_fd.reset();
  int exec_errno = 0;
  ssize_t got = 0;
  while ((got = ::read(report.read.get(), &exec_errno, sizeof exec_errno)) < 0 && errno == EINTR) {
  }
  if (got > 0) {
    child.wait();
    const std::string what = exec_errno == ENOENT ? "no such file" : errno_text(exec_errno);
    throw StartError(fmt::format("cannot run {}: {}", program, what), exec_errno);
  }

  Result result;
  pollfd fds[2] = {{out.read.get(), POLLIN, 0}, {options.inherit_stderr ? -1 : err.read.get(), POLLIN, 0}};
  int open = options.inherit_stderr ? 1 : 2;
  const std::optional<steady_clock::time_point> deadline =
      options.timeout ? std::optional(started + *options.timeout) : std::nullopt;
  char buf[16384];
  while (open > 0) {
    int wait_ms = -1;
    if (deadline) {
      const auto left = std::chrono::ceil<milliseconds>(*deadline - steady_clock::now()).count();
      if (left <= 0) {
        result.timed_out = true;
        break;
      }
      wait_ms = static_cast<int>(std::min<long long>(left, 1'000'000));
    }
    const int ready = poll(fds, 2, wait_ms);
    if (ready < 0) {
      if (errno == EINTR) {
        continue;
      }
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
        continue;
      }
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        fds[i].fd = -1;
        --open;
        continue;
      }
      const std::string_view chunk(buf, static_cast<std::size_t>(n));
      const auto& callback = i == 0 ? options.on_stdout : options.on_stderr;
      if (callback) {
        callback(chunk);
      } else {
        append_limited(i == 0 ? result.out : result.err, buf, chunk.size(), options.capture_limit);
      }
    }
  }
  if (result.timed_out) {
    child.kill();
  }
  result.exit_code = child.wait();
  result.elapsed = std::chrono::duration_cast<milliseconds>(steady_clock::now() - started);
  return result;
}

} // namespace graflow::process
