// fake-apiserver: a strict fake Kubernetes API server for graflowctl's integration tests.
// See ARCHITECTURE.md for what it serves and how it is built.
#include "auth.hpp"
#include "server.hpp"
#include "state.hpp"

#include <httplib.h>

#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

namespace {

struct Options {
  std::string cert;
  std::string key;
  std::string client_ca;
  std::string listen = "127.0.0.1";
  int port = 0;
  std::string port_file;
  bool die_with_parent = false;
  fake::Config config;
};

constexpr const char* usage =
    "usage: fake-apiserver --cert FILE --key FILE --client-ca FILE [--listen ADDR] [--port N]\n"
    "                      [--port-file FILE] [--token TOKEN=USER]... [--ready-delay DURATION]\n"
    "                      [--die-with-parent]\n";

std::optional<std::chrono::milliseconds> parse_duration(const std::string& text) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  const std::string unit = text.substr(used);
  const double scale = unit == "ms" || unit.empty() ? 1 : unit == "s" ? 1000 : unit == "m" ? 60000 : -1;
  if (scale < 0 || value < 0) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<long long>(value * scale));
}

// Parses argv; on a usage error prints it and returns nullopt.
std::optional<Options> parse_args(int argc, char** argv) {
  Options opts;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(usage, stdout);
      std::exit(0);
    }
    if (arg == "--die-with-parent") {
      opts.die_with_parent = true;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "fake-apiserver: %s needs a value\n%s", arg.c_str(), usage);
      return std::nullopt;
    }
    const std::string value = argv[++i];
    if (arg == "--cert") {
      opts.cert = value;
    } else if (arg == "--key") {
      opts.key = value;
    } else if (arg == "--client-ca") {
      opts.client_ca = value;
    } else if (arg == "--listen") {
      opts.listen = value;
    } else if (arg == "--port") {
      opts.port = std::atoi(value.c_str());
    } else if (arg == "--port-file") {
      opts.port_file = value;
    } else if (arg == "--token") {
      const auto eq = value.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == value.size()) {
        std::fprintf(stderr, "fake-apiserver: --token wants TOKEN=USER, got %s\n", value.c_str());
        return std::nullopt;
      }
      opts.config.tokens[value.substr(0, eq)] = value.substr(eq + 1);
    } else if (arg == "--ready-delay") {
      const auto d = parse_duration(value);
      if (!d) {
        std::fprintf(stderr, "fake-apiserver: --ready-delay wants a duration like 500ms or 2s, got %s\n",
                     value.c_str());
        return std::nullopt;
      }
      opts.config.ready_delay = *d;
    } else {
      std::fprintf(stderr, "fake-apiserver: unknown option %s\n%s", arg.c_str(), usage);
      return std::nullopt;
    }
  }
  if (opts.cert.empty() || opts.key.empty() || opts.client_ca.empty()) {
    std::fprintf(stderr, "fake-apiserver: --cert, --key and --client-ca are required\n%s", usage);
    return std::nullopt;
  }
  return opts;
}

bool write_port_file(const std::string& path, int port) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << port << '\n';
    if (!out) {
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

} // namespace

int main(int argc, char** argv) {
  const auto opts = parse_args(argc, argv);
  if (!opts) {
    return 2;
  }
  if (opts->die_with_parent) {
    // A test that is killed must not leave its server behind.
    const pid_t parent = getppid();
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) {
      return 0;
    }
  }
  // Writing to a dropped connection must not kill the server.
  signal(SIGPIPE, SIG_IGN);
  // SIGINT/SIGTERM are taken by one thread with sigwait; every other thread blocks them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  fake::ServerState state(opts->config);
  httplib::SSLServer server(
      [&](SSL_CTX& ctx) { return fake::configure_tls(ctx, opts->cert, opts->key, opts->client_ca); });
  if (!server.is_valid()) {
    return 1;
  }
  // Keep-alive connections and hanging faults each hold a thread.
  server.new_task_queue = [] { return new httplib::ThreadPool(64); };
  server.set_keep_alive_max_count(100000);
  server.set_tcp_nodelay(true);
  server.set_payload_max_length(64 * 1024 * 1024);
  fake::install_routes(server, state);

  int port = opts->port;
  if (port == 0) {
    port = server.bind_to_any_port(opts->listen);
  } else if (!server.bind_to_port(opts->listen, port)) {
    port = -1;
  }
  if (port < 0) {
    std::fprintf(stderr, "fake-apiserver: cannot listen on %s:%d\n", opts->listen.c_str(), opts->port);
    return 1;
  }
  if (!opts->port_file.empty() && !write_port_file(opts->port_file, port)) {
    std::fprintf(stderr, "fake-apiserver: cannot write %s\n", opts->port_file.c_str());
    return 1;
  }
  std::fprintf(stderr, "fake-apiserver: serving on https://%s:%d\n", opts->listen.c_str(), port);

  std::mutex done_mutex;
  std::condition_variable done_cv;
  bool done = false;
  std::thread stopper([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    state.request_stop();
    server.stop();
    // Idle keep-alive connections can hold the pool for seconds; a fake has nothing to flush.
    std::unique_lock lock(done_mutex);
    if (!done_cv.wait_for(lock, std::chrono::seconds(2), [&] { return done; })) {
      std::fprintf(stderr, "fake-apiserver: stopped (connections still open)\n");
      std::_Exit(0);
    }
  });
  server.listen_after_bind();
  if (!state.stopping()) {
    kill(getpid(), SIGTERM); // wakes the stopper thread
  }
  {
    std::lock_guard lock(done_mutex);
    done = true;
  }
  done_cv.notify_all();
  stopper.join();
  std::fprintf(stderr, "fake-apiserver: stopped\n");
  return 0;
}
