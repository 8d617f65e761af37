// The HttpServer seam over CivetWeb (Debian's libcivetweb 1.15). CivetWeb parses HTTP,
// runs the worker threads and keep-alive; this file maps its requests onto the one
// Handler. Why CivetWeb rather than cpp-httplib (which the tests' fake API server uses):
// Debian builds libcpp-httplib with OpenSSL, zlib and brotli and initialises OpenSSL when
// the library is loaded, which costs a plain-HTTP exporter ~4 MiB of resident memory;
// libcivetweb depends on libc alone, and TLS stays uninitialised (mg_init_library(0)).
//
// Lifecycle: bind() starts CivetWeb on the address (so port() is known at once, port 0
// included); requests that arrive before serve() wait for the handler. stop() makes
// serve() return: it first lets the requests being handled be answered (mg_stop() would
// abort their writes), then calls mg_stop(), which closes the listening socket and the
// idle keep-alive connections.
#include "graflow/core/error.hpp"
#include "graflow/core/log.hpp"
#include "graflow/net/impl/impl.hpp"

#include <atomic>
#include <chrono>
#include <civetweb.h>
#include <cctype>
#include <condition_variable>
#include <fmt/format.h>
#include <mutex>
#include <netdb.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace graflow::net {
namespace {

// Worker threads: one per open connection (keep-alive holds one). Enough for Prometheus
// (HA pairs), probes and a load test with 8 connections, small enough for a tiny RSS.
constexpr const char* worker_threads = "16";
// An idle keep-alive connection is closed after this long. CivetWeb checks its stop flag
// only every 2 s while it waits for a next request, so this also bounds how long stop()
// waits for idle connections. Prometheus scrapes every 15-60 s and reconnects anyway;
// a busy client (a load test) sends its next request well within it.
constexpr const char* keep_alive_timeout_ms = "200";
constexpr const char* request_timeout_ms = "10000";
// How long serve() waits, once stopped, for requests being handled to be answered.
constexpr std::chrono::seconds drain_limit{5};

// mg_init_library() once per process, without TLS.
void init_library() {
  static std::once_flag once;
  std::call_once(once, [] { mg_init_library(0); });
}

class CivetServer final : public HttpServer {
public:
  CivetServer() { init_library(); }

  ~CivetServer() override { shut_down(); }

  CivetServer(const CivetServer&) = delete;
  CivetServer& operator=(const CivetServer&) = delete;

  void bind(const std::string& host, int port) override {
    const bool ipv6 = host.find(':') != std::string::npos;
    const std::string address = (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
    if (ipv6 && mg_check_feature(MG_FEATURES_IPV6) == 0) {
      throw failure(fmt::format("cannot listen on {}: this CivetWeb library is built without IPv6; "
                                "listen on an IPv4 address such as 0.0.0.0:{}",
                                address, port));
    }
    const char* options[] = {"listening_ports",      address.c_str(),       "num_threads",
                             worker_threads,         "enable_keep_alive",   "yes",
                             "keep_alive_timeout_ms", keep_alive_timeout_ms, "request_timeout_ms",
                             request_timeout_ms,     "tcp_nodelay",         "1",
                             nullptr};
    mg_callbacks callbacks{};
    callbacks.begin_request = &CivetServer::on_request;
    callbacks.log_message = &CivetServer::on_log;
    mg_init_data init{};
    init.callbacks = &callbacks;
    init.user_data = this;
    init.configuration_options = options;
    char error_text[256] = {0};
    mg_error_data error{};
    error.text = error_text;
    error.text_buffer_size = sizeof error_text;
    startup_log().clear();
    context_ = mg_start2(&init, &error);
    if (context_ == nullptr) {
      throw failure(fmt::format("cannot listen on {}: {}", address, startup_error(error_text)));
    }
    mg_server_port ports[1]{};
    if (mg_get_server_ports(context_, 1, ports) < 1) {
      throw failure(fmt::format("cannot listen on {}: no listening port", address));
    }
    port_ = ports[0].port;
    // Where shut_down() connects to wake the accept loop: the bound address, or the
    // loopback address of its family for a wildcard.
    poke_host_ = host == "0.0.0.0" ? "127.0.0.1" : host == "::" ? "::1" : host;
  }

  [[nodiscard]] int port() const override { return port_; }

  void serve(Handler handler) override {
    {
      std::unique_lock lock(mutex_);
      handler_ = std::move(handler);
      changed_.notify_all();
      changed_.wait(lock, [&] { return stop_requested_; });
      // mg_stop() aborts writes in progress: let the requests being handled finish first.
      changed_.wait_for(lock, drain_limit, [&] { return in_flight_ == 0; });
    }
    shut_down();
  }

  void stop() override {
    std::lock_guard lock(mutex_);
    stop_requested_ = true;
    changed_.notify_all();
  }

private:
  // CivetWeb's messages while starting, kept for a better error than "Failed to setup
  // server ports"; at run time it only logs connection-level trouble, which is dropped.
  static std::string& startup_log() {
    thread_local std::string log;
    return log;
  }
  static int on_log(const mg_connection*, const char* message) {
    if (message != nullptr && startup_log().empty()) {
      startup_log() = message;
    }
    return 1; // not printed by CivetWeb
  }
  // "cannot bind to 127.0.0.1:8000: 98 (Address already in use)" -> "address already in use".
  static std::string startup_error(const char* error_text) {
    const std::string& log = startup_log();
    const auto open = log.rfind('(');
    const auto close = log.rfind(')');
    if (log.rfind("cannot bind", 0) == 0 && open != std::string::npos && close != std::string::npos && open < close) {
      std::string reason = log.substr(open + 1, close - open - 1);
      if (!reason.empty()) {
        reason[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(reason[0])));
      }
      return reason;
    }
    if (!log.empty()) {
      return log;
    }
    return error_text[0] != '\0' ? error_text : "cannot start the HTTP server";
  }

  // mg_stop() without its worst case: CivetWeb's accept loop notices the stop only when
  // its poll() (2 s) returns, so connections to the listening port wake it up meanwhile.
  void shut_down() {
    if (context_ == nullptr) {
      return;
    }
    std::atomic<bool> stopped{false};
    std::thread stopper([&] {
      mg_stop(context_);
      stopped.store(true);
    });
    while (!stopped.load()) {
      poke(poke_host_, port_);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stopper.join();
    context_ = nullptr;
  }

  // Starts a connection to host:port (a numeric address) and hangs up at once.
  static void poke(const std::string& host, int port) {
    addrinfo hints{};
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) {
      return;
    }
    const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd >= 0) {
      [[maybe_unused]] const int rc = ::connect(fd, found->ai_addr, found->ai_addrlen);
      ::close(fd);
    }
    ::freeaddrinfo(found);
  }

  // CivetWeb calls this on a worker thread for every request; 1 = answered here.
  static int on_request(mg_connection* conn) {
    const mg_request_info* info = mg_get_request_info(conn);
    auto* self = static_cast<CivetServer*>(info->user_data);
    ServerRequest request;
    request.method = info->request_method != nullptr ? info->request_method : "";
    request.path = info->local_uri != nullptr ? info->local_uri : "";
    for (int i = 0; i < info->num_headers; ++i) {
      request.headers.emplace(info->http_headers[i].name, info->http_headers[i].value);
    }
    {
      std::lock_guard lock(self->mutex_);
      ++self->in_flight_;
    }
    reply(conn, request.method == "HEAD", self->handle(request));
    std::lock_guard lock(self->mutex_);
    --self->in_flight_;
    self->changed_.notify_all();
    return 1;
  }

  ServerResponse handle(const ServerRequest& request) {
    Handler handler;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return handler_ || stop_requested_; });
      if (!handler_) {
        ServerResponse unavailable;
        unavailable.status = 503;
        unavailable.body = "503 service unavailable\n";
        return unavailable;
      }
      handler = handler_;
    }
    try {
      return handler(request);
    } catch (const std::exception& e) {
      log::write(fmt::format("{} {}: {}", request.method, request.path, e.what()));
      ServerResponse failed;
      failed.status = 500;
      failed.body = "500 internal server error\n";
      return failed;
    }
  }

  static void reply(mg_connection* conn, bool head, const ServerResponse& response) {
    mg_response_header_start(conn, response.status);
    mg_response_header_add(conn, "Content-Type", response.content_type.c_str(), -1);
    mg_response_header_add(conn, "Content-Length", std::to_string(response.body.size()).c_str(), -1);
    for (const auto& [name, value] : response.headers) {
      mg_response_header_add(conn, name.c_str(), value.c_str(), -1);
    }
    mg_response_header_send(conn);
    if (!head && !response.body.empty()) {
      mg_write(conn, response.body.data(), response.body.size());
    }
  }

  mg_context* context_ = nullptr;
  int port_ = 0;
  std::string poke_host_ = "127.0.0.1";
  std::mutex mutex_;
  std::condition_variable changed_;
  Handler handler_;
  bool stop_requested_ = false;
  int in_flight_ = 0; // requests between begin_request and their answer written
};

} // namespace

std::unique_ptr<HttpServer> make_http_server() { return std::make_unique<CivetServer>(); }

} // namespace graflow::net
