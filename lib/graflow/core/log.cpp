#include "graflow/core/log.hpp"

#include <atomic>
#include <cstdio>

namespace graflow::log {
namespace {

std::atomic<int> g_level{0};
// Set once, when a module is loaded, before any of its code logs.
Host g_host;

int own_verbosity() { return g_level.load(std::memory_order_relaxed); }
void own_write(const char* data, std::size_t size) {
  std::fprintf(stderr, "graflowctl: %.*s\n", static_cast<int>(size), data);
}

} // namespace

void set_verbosity(int level) { g_level.store(level, std::memory_order_relaxed); }
int verbosity() { return g_host.verbosity != nullptr ? g_host.verbosity() : own_verbosity(); }
void write(std::string_view line) {
  if (g_host.write != nullptr) {
    g_host.write(line.data(), line.size());
  } else {
    own_write(line.data(), line.size());
  }
}

Host host() { return Host{&own_verbosity, &own_write}; }
void attach(const Host& host) { g_host = host; }

} // namespace graflow::log
