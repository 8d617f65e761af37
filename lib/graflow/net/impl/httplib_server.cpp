// The HttpServer seam over cpp-httplib (Debian's libcpp-httplib 0.11). cpp-httplib parses
// HTTP; this file adds what a long-running exporter needs on top of it:
//   - every path and method reaches the one Handler (GET/HEAD without a regex match);
//   - a fixed thread pool, TCP_NODELAY;
//   - a graceful stop(): stop accepting, let requests being handled finish, and close idle
//     keep-alive connections at once. (Stock cpp-httplib makes stop() wait for every idle
//     keep-alive connection to time out, 5 s by default; Prometheus keeps its connection
//     open between scrapes.) That is why the connection loop below replaces
//     Server::process_and_close_socket, the extension point cpp-httplib's SSLServer uses.
#include "graflow/core/error.hpp"
#include "graflow/core/log.hpp"
#include "graflow/net/impl/impl.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <fmt/format.h>
#include <httplib.h>
#include <mutex>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

namespace graflow::net {
namespace {

// Worker threads: one per open connection (keep-alive holds one). Enough for Prometheus
// (HA pairs), probes and a load test with 8 connections, small enough for a tiny RSS.
constexpr std::size_t worker_threads = 16;
constexpr time_t keep_alive_seconds = 5;
constexpr size_t keep_alive_requests = 10'000; // per connection (cpp-httplib's default is 5)

class Fd {
public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int get() const { return fd_; }

private:
  int fd_;
};

// For the bodies of the errors cpp-httplib produces itself (bad requests, too long URIs).
const char* reason(int status) {
  switch (status) {
  case 400:
    return "bad request";
  case 404:
    return "page not found";
  case 405:
    return "method not allowed";
  case 413:
    return "payload too large";
  case 414:
    return "URI too long";
  case 500:
    return "internal server error";
  default:
    return "error";
  }
}

int to_ms(time_t sec, time_t usec) { return static_cast<int>(sec * 1000 + usec / 1000); }

std::pair<std::string, int> numeric_address(const sockaddr_storage& addr, socklen_t len) {
  char host[NI_MAXHOST] = {0};
  char serv[NI_MAXSERV] = {0};
  if (getnameinfo(reinterpret_cast<const sockaddr*>(&addr), len, host, sizeof host, serv, sizeof serv,
                  NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return {"", -1};
  }
  return {host, std::atoi(serv)};
}

// One accepted connection as a cpp-httplib Stream: buffered reads (cpp-httplib reads the
// request line and headers byte by byte) and waits that also wake up on stop.
class ConnectionStream final : public httplib::Stream {
public:
  ConnectionStream(int fd, int stop_fd, int read_timeout_ms, int write_timeout_ms)
      : fd_(fd), stop_fd_(stop_fd), read_timeout_ms_(read_timeout_ms), write_timeout_ms_(write_timeout_ms) {}

  // Waits for the first byte of the next request. False on timeout, on stop with
  // nothing received, or when the peer hung up.
  bool wait_for_request(int timeout_ms) { return pos_ < len_ || wait_readable(timeout_ms); }

  bool is_readable() const override { return pos_ < len_ || wait_readable(read_timeout_ms_); }

  bool is_writable() const override { return wait(POLLOUT, write_timeout_ms_); }

  ssize_t read(char* ptr, size_t size) override {
    if (pos_ == len_) {
      if (!wait_readable(read_timeout_ms_)) {
        return -1;
      }
      if (size >= sizeof buffer_) {
        return recv_some(ptr, size);
      }
      const ssize_t n = recv_some(buffer_, sizeof buffer_);
      if (n <= 0) {
        return n;
      }
      pos_ = 0;
      len_ = static_cast<size_t>(n);
    }
    const size_t n = std::min(size, len_ - pos_);
    std::memcpy(ptr, buffer_ + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!wait(POLLOUT, write_timeout_ms_)) {
      return -1;
    }
    ssize_t n = 0;
    do {
      n = ::send(fd_, ptr, size, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    address(true, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    address(false, ip, port);
  }
  socket_t socket() const override { return fd_; }

private:
  // Readable data (or a hang-up) within the timeout. A stop ends the wait only when no
  // data is waiting: a request that has fully arrived is still served.
  bool wait_readable(int timeout_ms) const {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    int rc = 0;
    do {
      rc = ::poll(fds, 2, timeout_ms);
    } while (rc < 0 && errno == EINTR);
    return rc > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0;
  }

  bool wait(short events, int timeout_ms) const {
    pollfd p{fd_, events, 0};
    int rc = 0;
    do {
      rc = ::poll(&p, 1, timeout_ms);
    } while (rc < 0 && errno == EINTR);
    return rc > 0 && (p.revents & (events | POLLHUP | POLLERR)) != 0;
  }

  ssize_t recv_some(char* ptr, size_t size) const {
    ssize_t n = 0;
    do {
      n = ::recv(fd_, ptr, size, 0);
    } while (n < 0 && errno == EINTR);
    return n;
  }

  void address(bool remote, std::string& ip, int& port) const {
    auto& cached = remote ? remote_ : local_;
    if (!cached) {
      sockaddr_storage addr{};
      socklen_t len = sizeof addr;
      const int rc = remote ? getpeername(fd_, reinterpret_cast<sockaddr*>(&addr), &len)
                            : getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
      cached = rc == 0 ? numeric_address(addr, len) : std::pair<std::string, int>{"", -1};
    }
    ip = cached->first;
    port = cached->second;
  }

  int fd_;
  int stop_fd_;
  int read_timeout_ms_;
  int write_timeout_ms_;
  char buffer_[4096];
  size_t pos_ = 0;
  size_t len_ = 0;
  mutable std::optional<std::pair<std::string, int>> remote_;
  mutable std::optional<std::pair<std::string, int>> local_;
};

class StoppableServer final : public httplib::Server {
public:
  StoppableServer() : stop_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (stop_fd_.get() < 0) {
      throw failure(fmt::format("cannot create an eventfd for the HTTP server: {}", std::strerror(errno)));
    }
    new_task_queue = [] { return new httplib::ThreadPool(worker_threads); };
    set_keep_alive_timeout(keep_alive_seconds);
    set_keep_alive_max_count(keep_alive_requests);
    set_tcp_nodelay(true);
    // cpp-httplib also sets SO_REUSEPORT, which lets a second exporter bind the same port
    // and silently take half of the scrapes: keep only SO_REUSEADDR (fast restarts).
    set_socket_options([](socket_t sock) {
      const int yes = 1;
      setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
  }

  // Wakes every connection waiting for its next request; they close unless a request
  // has already arrived.
  void begin_stop() {
    stopping_.store(true);
    const uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(stop_fd_.get(), &one, sizeof one);
  }

  [[nodiscard]] bool stopping() const { return stopping_.load(); }

private:
  bool process_and_close_socket(socket_t sock) override {
    const int on = 1;
    setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    ConnectionStream stream(sock, stop_fd_.get(), to_ms(read_timeout_sec_, read_timeout_usec_),
                            to_ms(write_timeout_sec_, write_timeout_usec_));
    bool ok = false;
    for (size_t left = keep_alive_max_count_; left > 0; --left) {
      const bool stop = stopping_.load();
      if (!stream.wait_for_request(stop ? 0 : static_cast<int>(keep_alive_timeout_sec_ * 1000))) {
        break;
      }
      bool closed = false;
      ok = process_request(stream, left == 1 || stopping_.load(), closed, nullptr);
      if (!ok || closed) {
        break;
      }
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ok;
  }

  Fd stop_fd_;
  std::atomic<bool> stopping_{false};
};

class HttplibServer final : public HttpServer {
public:
  void bind(const std::string& host, int port) override {
    const int bound = port == 0 ? server_.bind_to_any_port(host) : (server_.bind_to_port(host, port) ? port : -1);
    if (bound <= 0) {
      throw failure(fmt::format("cannot listen on {}:{}: {}", host, port,
                                port == 0 ? "no free port" : "address in use or not available"));
    }
    port_ = bound;
  }

  [[nodiscard]] int port() const override { return port_; }

  void serve(Handler handler) override {
    handler_ = std::move(handler);
    // GET and HEAD (cpp-httplib drops the body of a HEAD response) and anything without
    // a body go straight to the handler; requests with a body take cpp-httplib's routes,
    // which read the body first, so the connection stays in sync.
    server_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      const bool has_body = req.has_header("Content-Length") || req.has_header("Transfer-Encoding");
      if (has_body && req.method != "GET" && req.method != "HEAD") {
        return httplib::Server::HandlerResponse::Unhandled;
      }
      respond(req, res);
      return httplib::Server::HandlerResponse::Handled;
    });
    const httplib::Server::Handler route = [this](const httplib::Request& req, httplib::Response& res) {
      respond(req, res);
    };
    server_.Post(".*", route);
    server_.Put(".*", route);
    server_.Patch(".*", route);
    server_.Delete(".*", route);
    server_.Options(".*", route);
    server_.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (res.body.empty()) {
        res.set_content(fmt::format("{} {}\n", res.status, reason(res.status)), "text/plain; charset=utf-8");
      }
    });
    {
      std::lock_guard lock(mutex_);
      if (stop_requested_) {
        return;
      }
      serving_ = true;
    }
    server_.listen_after_bind();
    std::lock_guard lock(mutex_);
    serving_ = false;
    stopped_.notify_all();
  }

  void stop() override {
    std::unique_lock lock(mutex_);
    stop_requested_ = true;
    server_.begin_stop();
    // cpp-httplib's stop() only works once the accept loop runs: wait for it to start
    // (or for serve() to end) before closing the listening socket.
    while (serving_ && !server_.is_running()) {
      stopped_.wait_for(lock, std::chrono::milliseconds(1));
    }
    if (serving_) {
      server_.stop();
    }
  }

private:
  void respond(const httplib::Request& req, httplib::Response& res) const {
    ServerRequest request{req.method, req.path, {}};
    for (const auto& [name, value] : req.headers) {
      request.headers.emplace(name, value);
    }
    try {
      ServerResponse response = handler_(request);
      res.status = response.status;
      res.body = std::move(response.body);
      res.set_header("Content-Type", response.content_type);
      for (const auto& [name, value] : response.headers) {
        res.set_header(name, value);
      }
    } catch (const std::exception& e) {
      log::write(fmt::format("{} {}: {}", req.method, req.path, e.what()));
      res.status = 500;
      res.body = "500 internal server error\n";
      res.set_header("Content-Type", "text/plain; charset=utf-8");
    }
  }

  StoppableServer server_;
  Handler handler_;
  int port_ = 0;
  std::mutex mutex_;
  std::condition_variable stopped_;
  bool stop_requested_ = false;
  bool serving_ = false;
};

} // namespace

std::unique_ptr<HttpServer> make_httplib_server() { return std::make_unique<HttplibServer>(); }

} // namespace graflow::net
