#include "graflow/helm/runner.hpp"

#include "graflow/core/error.hpp"
#include "graflow/core/log.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <ostream>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace graflow::helm {
namespace {

// An owned file descriptor.
struct Fd {
  int fd = -1;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  explicit Fd(int f) : fd(f) {}
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) {
      close(fd);
      fd = -1;
    }
  }
};

std::string last_lines(const std::string& text, std::size_t max_lines) {
  std::string t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) {
    t.pop_back();
  }
  std::size_t pos = t.size();
  for (std::size_t n = 0; n < max_lines && pos != std::string::npos && pos > 0; ++n) {
    pos = t.rfind('\n', pos - 1);
  }
  return pos == std::string::npos || pos == 0 ? t : t.substr(pos + 1);
}

} // namespace

RunResult ProcessRunner::run(const std::vector<std::string>& argv, bool capture, std::ostream& out, std::ostream& err) {
  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw failure(fmt::format("cannot run {}: {}", argv.at(0), std::strerror(errno)));
  }
  Fd out_read{out_pipe[0]};
  Fd err_read{err_pipe[0]};
  Fd out_write{out_pipe[1]};
  Fd err_write{err_pipe[1]};
  pid_t pid = -1;
  {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out_write.fd, 1);
    posix_spawn_file_actions_adddup2(&actions, err_write.fd, 2);
    std::vector<char*> c_argv;
    for (const auto& a : argv) {
      c_argv.push_back(const_cast<char*>(a.c_str()));
    }
    c_argv.push_back(nullptr);
    log::debug(1, "running {}", fmt::join(argv, " "));
    const int rc = posix_spawnp(&pid, c_argv[0], &actions, nullptr, c_argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      throw failure(fmt::format("cannot run {}: {}", argv[0], std::strerror(rc)));
    }
  }
  // Only the child holds the write ends now, so the reads below end when it exits.
  out_write.reset();
  err_write.reset();
  RunResult result;
  std::string err_text;
  pollfd fds[2] = {{out_read.fd, POLLIN, 0}, {err_read.fd, POLLIN, 0}};
  int open_fds = 2;
  char buf[4096];
  {
    while (open_fds > 0) {
      if (poll(fds, 2, -1) < 0) {
        if (errno == EINTR) {
          continue;
        }
        break;
      }
      for (auto& p : fds) {
        if (p.fd < 0 || (p.revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
          continue;
        }
        const ssize_t n = read(p.fd, buf, sizeof buf);
        if (n <= 0) {
          p.fd = -1;
          --open_fds;
          continue;
        }
        const std::string chunk(buf, static_cast<std::size_t>(n));
        if (p.fd == err_read.fd) {
          err << chunk << std::flush;
          err_text += chunk;
        } else if (capture) {
          result.out += chunk;
        } else {
          out << chunk << std::flush;
        }
      }
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result.err_tail = last_lines(err_text, 3);
    return result;
  }
}

std::string find_helm() {
  if (const char* env = std::getenv("HELM"); env != nullptr && *env != '\0') {
    if (access(env, X_OK) != 0) {
      throw failure(fmt::format("$HELM is {}, which is not an executable file", env));
    }
    return env;
  }
  if (const char* path = std::getenv("PATH"); path != nullptr) {
    std::string_view rest = path;
    while (!rest.empty()) {
      const auto colon = rest.find(':');
      const std::string dir(rest.substr(0, colon));
      rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
      const auto candidate = std::filesystem::path(dir.empty() ? "." : dir) / "helm";
      if (access(candidate.c_str(), X_OK) == 0) {
        return candidate.string();
      }
    }
  }
  throw failure("helm was not found in PATH: install helm 3 (https://helm.sh/docs/intro/install/) "
                "or set HELM=/path/to/helm");
}

} // namespace graflow::helm
