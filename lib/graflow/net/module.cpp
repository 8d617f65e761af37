#include "graflow/net/module.hpp"

#include "graflow/core/env.hpp"
#include "graflow/core/module.hpp"

#include <mutex>
#include <thread>

namespace graflow::net {
namespace {

// graflowctl-net.so from $GRAFLOW_NET_MODULE, next to the binary (build tree) or in
// lib/graflowctl/ (installed).
const Api* load() {
  module::Spec spec{"graflowctl-net.so", "graflow_net_api", "graflowctl needs for HTTP",
                    "reinstall graflowctl or set GRAFLOW_NET_MODULE", {}, {}};
  // The loader is part of the process's platform (cli::process_platform), so it reads the
  // process's own environment.
  if (const auto path = ProcessEnv().non_empty("GRAFLOW_NET_MODULE")) {
    spec.first.emplace_back(*path);
  }
  auto* entry = reinterpret_cast<const Api* (*)(const log::Host*)>(module::load_symbol(spec));
  const log::Host host = log::host(); // copied by the module
  return entry(&host);
}

// The preload() thread; joined at exit if api() never was called.
struct Preloader {
  std::mutex mutex;
  std::thread thread;
  ~Preloader() { join(); }
  void join() {
    const std::lock_guard lock(mutex);
    if (thread.joinable()) {
      thread.join();
    }
  }
};

Preloader& preloader() {
  static Preloader p;
  return p;
}

const Api& load_once() {
  static std::once_flag once;
  static const Api* loaded = nullptr;
  std::call_once(once, [] { loaded = load(); });
  return *loaded;
}

} // namespace

const Api& api() {
  preloader().join(); // a failed preload left the once_flag unset: this call retries and reports
  return load_once();
}

void preload() {
  Preloader& p = preloader();
  const std::lock_guard lock(p.mutex);
  if (!p.thread.joinable()) {
    p.thread = std::thread([] {
      try {
        load_once();
      } catch (...) { // NOLINT(bugprone-empty-catch): api() loads again and reports the failure
      }
    });
  }
}

} // namespace graflow::net
