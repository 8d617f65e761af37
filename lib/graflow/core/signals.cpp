#include "graflow/core/signals.hpp"

#include "graflow/core/error.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace graflow {
namespace {

std::atomic<int> g_signal{0};
int g_pipe[2] = {-1, -1};
struct sigaction g_old_int {};
struct sigaction g_old_term {};
struct sigaction g_old_hup {};

extern "C" void on_signal(int sig) {
  g_signal.store(sig);
  const int saved = errno;
  const char byte = 1;
  [[maybe_unused]] auto n = write(g_pipe[1], &byte, 1);
  errno = saved;
}

} // namespace

SignalWatcher::SignalWatcher() {
  g_signal.store(0);
  if (g_pipe[0] < 0) {
    if (pipe2(g_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
      throw failure("cannot create a pipe for signal handling");
    }
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &g_old_int);
  sigaction(SIGTERM, &sa, &g_old_term);
  sigaction(SIGHUP, &sa, &g_old_hup);
}

SignalWatcher::~SignalWatcher() {
  sigaction(SIGINT, &g_old_int, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
  sigaction(SIGHUP, &g_old_hup, nullptr);
}

int SignalWatcher::received() const { return g_signal.load(); }

int SignalWatcher::fd() const { return g_pipe[0]; }

bool SignalWatcher::sleep_for(std::chrono::milliseconds d) const {
  const auto deadline = std::chrono::steady_clock::now() + d;
  while (received() == 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return true;
    }
    pollfd p{g_pipe[0], POLLIN, 0};
    poll(&p, 1, static_cast<int>(left.count()));
  }
  return false;
}

} // namespace graflow
