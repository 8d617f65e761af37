// The HttpServer seam over libevent's evhttp (Debian's libevent 2.1). evhttp parses HTTP
// and keeps every connection on one event loop, the only thread that touches evhttp
// objects. An asynchronous handler (serve_async) runs on that loop and answers through a
// Respond from any thread; answers from other threads are posted back to the loop (one
// wake-up for a batch of them) and sent from there. So an exporter scrape crosses two
// threads only: the loop asks the collector's reader thread, whose answer wakes the loop.
// A synchronous handler (serve) blocks, so it runs on a small pool of worker threads
// (worker_pool.hpp) in front of the same machinery.
//
// Why libevent: a thread-per-connection server (CivetWeb, before) is starved by a few
// idle or slow-header connections, each holding a worker. An event loop holds thousands
// for a few KiB each, and the handler only ever sees complete requests. libevent needs only
// libc (libmicrohttpd would load GnuTLS into every command), is linked into the binary, and
// costs `queue depth` nothing measurable at start-up; Boost.Beast would be header-only
// but slow to compile and several hundred lines of glue.
//
// Lifecycle: bind() listens and starts the loop, so port() is known at once (port 0
// included) and requests that arrive before serve() wait for the handler (a 503 if stop()
// comes first). stop() closes the listening socket; serve() returns once the requests
// already received are answered (at most ServerLimits::drain_limit), then frees evhttp,
// which closes the idle keep-alive connections. A Respond called after that is dropped.
//
// Slow-loris: evhttp's timeout is one of inactivity, reset by every byte, so a client that
// sends a header byte every few seconds would be held forever. Each connection's bufferevent
// is made here (evhttp_set_bevcb) and watched: its first byte of a request starts the
// request deadline, the complete request (on_request) ends it, and a sweep every 250 ms
// closes the connections past it the way evhttp's own timeout does.
#include "graflow/net/server.hpp"

#include "graflow/core/error.hpp"
#include "graflow/core/log.hpp"
#include "graflow/net/server/worker_pool.hpp"

#include <cerrno>
#include <chrono>
#include <cctype>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <fmt/format.h>
#include <memory>
#include <mutex>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <unordered_map>
#include <vector>

namespace graflow::net {
namespace {

// Threads running a synchronous handler (serve()); the exporter's is asynchronous and
// needs none.
constexpr int worker_threads = 8;
// A connection with nothing happening for this long is closed: an idle keep-alive one, or a
// request (headers, body) that stopped arriving. Inactivity, not a total: a request that
// trickles in is bounded by ServerLimits::request_deadline instead.
constexpr int connection_timeout_s = 15;
constexpr std::size_t max_headers = 16 * 1024;
constexpr std::size_t max_body = 1024 * 1024;
// After accept() fails for lack of file descriptors, accepting pauses this long (instead
// of the loop spinning on a listening socket that stays readable).
constexpr timeval accept_pause{0, 100'000};
// How often connections are checked against the request deadline (and the ones evhttp has
// closed forgotten): the deadline is kept to within this.
constexpr timeval sweep_period{0, 250'000};

void on_libevent_log(int /*severity*/, const char* message) { log::debug(1, "libevent: {}", message); }

// Once per process: locking (workers wake the loop with event_active) and libevent's own
// messages routed to -v instead of stderr.
void init_library() {
  static std::once_flag once;
  std::call_once(once, [] {
    evthread_use_pthreads();
    event_set_log_callback(&on_libevent_log);
  });
}

const char* method_name(evhttp_cmd_type type) {
  switch (type) {
  case EVHTTP_REQ_GET: return "GET";
  case EVHTTP_REQ_POST: return "POST";
  case EVHTTP_REQ_HEAD: return "HEAD";
  case EVHTTP_REQ_PUT: return "PUT";
  case EVHTTP_REQ_DELETE: return "DELETE";
  case EVHTTP_REQ_OPTIONS: return "OPTIONS";
  case EVHTTP_REQ_TRACE: return "TRACE";
  case EVHTTP_REQ_CONNECT: return "CONNECT";
  case EVHTTP_REQ_PATCH: return "PATCH";
  }
  return "";
}

// "Address already in use" -> "address already in use".
std::string lower_errno_text(int err) {
  std::string text = graflow::errno_text(err);
  if (!text.empty()) {
    text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  }
  return text;
}

// A listening, non-blocking socket on host:port (numeric); throws a failure Error.
int listen_socket(const std::string& host, int port, const std::string& address) {
  addrinfo hints{};
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || found == nullptr) {
    throw failure(fmt::format("cannot listen on {}: not a numeric IP address", address));
  }
  const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int err = errno;
  if (fd >= 0) {
    const int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (::bind(fd, found->ai_addr, found->ai_addrlen) != 0 || ::listen(fd, 1024) != 0) {
      err = errno;
      ::close(fd);
      ::freeaddrinfo(found);
      throw failure(fmt::format("cannot listen on {}: {}", address, lower_errno_text(err)));
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0) {
    throw failure(fmt::format("cannot listen on {}: {}", address, lower_errno_text(err)));
  }
  return fd;
}

int bound_port(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return 0;
  }
  if (addr.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
}

ServerResponse plain(int status, std::string body) {
  ServerResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

class EvhttpServer;

// One request waiting for its answer, as the server sees it.
struct Answer {
  evhttp_request* request;
  ServerResponse response;
};

// Where answers made off the loop thread wait for it. Shared with every Respond handed
// out, which may outlive the server: once closed (wake null), answers are dropped.
struct Mailbox {
  EvhttpServer* server = nullptr;           // used on the loop thread only
  std::atomic<std::thread::id> loop_thread; // while the loop runs
  std::mutex mutex;                         // guards the two below
  std::vector<Answer> answers;
  event* wake = nullptr; // activated when `answers` stops being empty; null once closed
};

// The answer to one request, sent once: the first call wins, later ones are ignored, and
// none at all (the last Respond copy destroyed uncalled) answers 500.
class Slot {
public:
  Slot(std::shared_ptr<Mailbox> mailbox, evhttp_request* request) : mailbox_(std::move(mailbox)), request_(request) {}
  ~Slot() {
    if (!answered()) {
      answer(plain(500, "500 internal server error\n"));
    }
  }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;

  [[nodiscard]] bool answered() const { return answered_.load(std::memory_order_acquire); }
  void answer(ServerResponse response) noexcept;

private:
  const std::shared_ptr<Mailbox> mailbox_;
  evhttp_request* const request_;
  std::atomic<bool> answered_{false};
};

Respond respond_through(const std::shared_ptr<Slot>& slot) {
  return [slot](ServerResponse response) { slot->answer(std::move(response)); };
}

class EvhttpServer final : public HttpServer {
public:
  explicit EvhttpServer(ServerLimits limits) : limits_(limits), mailbox_(std::make_shared<Mailbox>()) {
    init_library();
    mailbox_->server = this;
  }
  ~EvhttpServer() override { shut_down(); }
  EvhttpServer(const EvhttpServer&) = delete;
  EvhttpServer& operator=(const EvhttpServer&) = delete;

  void bind(const std::string& host, int port) override {
    const bool ipv6 = host.find(':') != std::string::npos;
    const std::string address = (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
    const int fd = listen_socket(host, port, address);
    port_ = bound_port(fd);
    base_ = event_base_new();
    http_ = base_ != nullptr ? evhttp_new(base_) : nullptr;
    bound_ = http_ != nullptr ? evhttp_accept_socket_with_handle(http_, fd) : nullptr; // owns fd from here
    if (bound_ == nullptr) {
      ::close(fd);
      free_libevent();
      throw failure(fmt::format("cannot listen on {}: cannot start the HTTP server", address));
    }
    evhttp_set_timeout(http_, connection_timeout_s);
    evhttp_set_max_headers_size(http_, max_headers);
    evhttp_set_max_body_size(http_, max_body);
    // Every method reaches the handler, which answers 405 with Allow; evhttp's default
    // set would answer OPTIONS or PATCH with 501 itself.
    evhttp_set_allowed_methods(http_, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
                                          EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
                                          EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
    evhttp_set_gencb(http_, &EvhttpServer::on_request, this);
    evhttp_set_bevcb(http_, &EvhttpServer::on_new_connection, this);
    evconnlistener* listener = evhttp_bound_socket_get_listener(bound_);
    evconnlistener_set_error_cb(listener, &EvhttpServer::on_accept_error);
    done_event_ = event_new(base_, -1, 0, &EvhttpServer::on_done, this);
    start_event_ = event_new(base_, -1, 0, &EvhttpServer::on_start, this);
    stop_event_ = event_new(base_, -1, 0, &EvhttpServer::on_stop, this);
    drain_timer_ = evtimer_new(base_, &EvhttpServer::on_drain_limit, this);
    resume_timer_ = evtimer_new(base_, &EvhttpServer::on_resume_accept, this);
    sweep_timer_ = event_new(base_, -1, EV_PERSIST, &EvhttpServer::on_sweep, this);
    evtimer_add(sweep_timer_, &sweep_period);
    {
      std::lock_guard lock(mailbox_->mutex);
      mailbox_->wake = done_event_;
    }
    loop_ = std::thread([this] {
      mailbox_->loop_thread.store(std::this_thread::get_id());
      event_base_loop(base_, EVLOOP_NO_EXIT_ON_EMPTY);
      mailbox_->loop_thread.store(std::thread::id{}); // a later thread may get the same id
      std::lock_guard lock(mutex_);
      loop_ended_ = true;
      changed_.notify_all();
    });
  }

  [[nodiscard]] int port() const override { return port_; }

  void serve(Handler handler) override {
    WorkerPool pool(std::move(handler), worker_threads);
    serve_async([&pool](const ServerRequest& request, Respond respond) { pool.submit(request, std::move(respond)); });
  } // the workers are joined after evhttp is freed: what they answer late is dropped

  void serve_async(AsyncHandler handler) override {
    {
      std::unique_lock lock(mutex_);
      handler_ = std::make_shared<const AsyncHandler>(std::move(handler));
      if (start_event_ != nullptr) {
        event_active(start_event_, 0, 0); // on the loop thread: the requests waiting for it
      }
      changed_.wait(lock, [&] { return loop_ended_ || base_ == nullptr; });
    }
    shut_down();
  }

  void stop() override {
    std::lock_guard lock(mutex_);
    if (stop_requested_.exchange(true)) {
      return;
    }
    if (stop_event_ != nullptr) {
      event_active(stop_event_, 0, 0); // on the loop thread: close the listening socket
    }
  }

  // Loop thread: sends an answer now.
  void send(evhttp_request* request, const ServerResponse& response) {
    if (!reply(request, response, stop_requested_.load())) {
      finished(1);
    }
  }

private:
  // A request received before there was a handler.
  struct Pending {
    ServerRequest request;
    std::shared_ptr<Slot> slot;
  };
  // One client connection, as the request deadline sees it (loop thread only).
  struct Connection {
    EvhttpServer* server = nullptr;
    bufferevent* bev = nullptr; // referenced (bufferevent_incref) until the sweep sees it freed
    bool busy = false;          // a complete request is being handled or answered
    bool nodelay = false;       // TCP_NODELAY set on its socket
    std::optional<std::chrono::steady_clock::time_point> deadline; // a request is arriving
  };

  // Loop thread, evhttp accepted a connection: its bufferevent, tracked. Without
  // BEV_OPT_CLOSE_ON_FREE evhttp closes the socket itself when it frees the connection, so
  // the reference held here keeps a small struct alive, never a file descriptor.
  static bufferevent* on_new_connection(event_base* base, void* arg) {
    auto* self = static_cast<EvhttpServer*>(arg);
    bufferevent* bev = bufferevent_socket_new(base, -1, 0);
    if (bev == nullptr) {
      return nullptr; // evhttp makes its own (untracked: only evhttp's timeout applies)
    }
    bufferevent_incref(bev);
    auto conn = std::make_unique<Connection>();
    conn->server = self;
    conn->bev = bev;
    evbuffer_add_cb(bufferevent_get_input(bev), &EvhttpServer::on_input, conn.get());
    self->connections_.emplace(bev, std::move(conn));
    return bev;
  }

  // Loop thread: bytes arrived; the first of a request starts its deadline.
  static void on_input(evbuffer*, const evbuffer_cb_info* info, void* arg) {
    auto* conn = static_cast<Connection*>(arg);
    if (!conn->nodelay) {
      // An answer larger than one segment (a page of many queues) must not wait for the
      // client's delayed ACK (~40 ms per keep-alive scrape with Nagle on). evhttp gives the
      // socket to the bufferevent after on_new_connection, so it is set at the first bytes.
      const evutil_socket_t fd = bufferevent_getfd(conn->bev);
      if (fd >= 0) {
        const int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        conn->nodelay = true;
      }
    }
    if (info->n_added > 0 && !conn->busy && !conn->deadline) {
      conn->deadline = std::chrono::steady_clock::now() + conn->server->limits_.request_deadline;
    }
  }

  Connection* connection_of(evhttp_request* req) {
    evhttp_connection* evcon = evhttp_request_get_connection(req);
    if (evcon == nullptr) {
      return nullptr;
    }
    const auto it = connections_.find(evhttp_connection_get_bufferevent(evcon));
    return it == connections_.end() ? nullptr : it->second.get();
  }

  // Loop thread, every sweep_period: forgets the connections evhttp has freed (their
  // callbacks are gone) and closes the ones whose request is past its deadline, through
  // evhttp's own read-timeout path (the connection is freed, nothing is answered).
  static void on_sweep(evutil_socket_t, short, void* arg) {
    auto* self = static_cast<EvhttpServer*>(arg);
    const auto now = std::chrono::steady_clock::now();
    for (auto it = self->connections_.begin(); it != self->connections_.end();) {
      Connection& c = *it->second;
      if (!callbacks_set(c.bev)) {
        bufferevent_decref(c.bev);
        it = self->connections_.erase(it);
        continue;
      }
      if (!c.busy && c.deadline && now >= *c.deadline) {
        c.deadline.reset();
        log::debug(2, "closing a connection whose request took longer than {} ms to arrive",
                   self->limits_.request_deadline.count());
        bufferevent_trigger_event(c.bev, BEV_EVENT_READING | BEV_EVENT_TIMEOUT, 0);
      }
      ++it;
    }
  }

  static bool callbacks_set(bufferevent* bev) {
    bufferevent_data_cb read_cb = nullptr;
    bufferevent_data_cb write_cb = nullptr;
    bufferevent_event_cb event_cb = nullptr;
    void* cb_arg = nullptr;
    bufferevent_getcb(bev, &read_cb, &write_cb, &event_cb, &cb_arg);
    return event_cb != nullptr; // bufferevent_free() clears them
  }

  // Loop thread: a complete request, given to the handler (or held until there is one).
  static void on_request(evhttp_request* req, void* arg) {
    auto* self = static_cast<EvhttpServer*>(arg);
    if (Connection* conn = self->connection_of(req)) {
      conn->busy = true; // arrived in time: the deadline no longer applies
      conn->deadline.reset();
    }
    ServerRequest parsed;
    parsed.method = method_name(evhttp_request_get_command(req));
    // The path of an origin-form or absolute-form target ("http://host/metrics"), decoded;
    // "*" for OPTIONS *.
    const evhttp_uri* uri = evhttp_request_get_evhttp_uri(req);
    const char* path = uri != nullptr ? evhttp_uri_get_path(uri) : nullptr;
    if (path != nullptr) {
      char* decoded = evhttp_uridecode(path, 0, nullptr);
      parsed.path = decoded != nullptr ? decoded : path;
      std::free(decoded);
    }
    if (parsed.path.empty() && evhttp_uri_get_host(uri) != nullptr) {
      parsed.path = "/"; // "http://host" names the root
    }
    const evkeyvalq* headers = evhttp_request_get_input_headers(req);
    for (const evkeyval* h = headers->tqh_first; h != nullptr; h = h->next.tqe_next) {
      parsed.headers.emplace(h->key, h->value);
    }
    // In flight until its answer is written out (or its connection is gone).
    evhttp_request_set_on_complete_cb(req, &EvhttpServer::on_complete, self);
    ++self->in_flight_;
    auto slot = std::make_shared<Slot>(self->mailbox_, req);
    if (self->loop_handler_) {
      self->dispatch(parsed, slot);
    } else if (self->stop_requested_.load()) {
      slot->answer(plain(503, "503 service unavailable\n"));
    } else {
      self->pending_.push_back({std::move(parsed), std::move(slot)});
    }
  }

  // Loop thread: runs the handler; a 500 if it throws before answering.
  void dispatch(const ServerRequest& request, const std::shared_ptr<Slot>& slot) {
    try {
      (*loop_handler_)(request, respond_through(slot));
    } catch (const std::exception& e) {
      log::write(fmt::format("{} {}: {}", request.method, request.path, e.what()));
      if (!slot->answered()) {
        slot->answer(plain(500, "500 internal server error\n"));
      }
    }
  }

  // Loop thread, once serve_async() gave a handler: the requests that waited for it.
  static void on_start(evutil_socket_t, short, void* arg) {
    auto* self = static_cast<EvhttpServer*>(arg);
    {
      std::lock_guard lock(self->mutex_);
      self->loop_handler_ = self->handler_;
    }
    self->release_pending();
  }

  // Loop thread: the held requests go to the handler, or get a 503 when there is none.
  void release_pending() {
    std::deque<Pending> pending;
    pending.swap(pending_);
    for (const Pending& p : pending) {
      if (loop_handler_) {
        dispatch(p.request, p.slot);
      } else {
        p.slot->answer(plain(503, "503 service unavailable\n"));
      }
    }
  }

  // Loop thread: sends the answers posted from other threads.
  static void on_done(evutil_socket_t, short, void* arg) {
    auto* self = static_cast<EvhttpServer*>(arg);
    std::vector<Answer> answers;
    {
      std::lock_guard lock(self->mailbox_->mutex);
      answers.swap(self->mailbox_->answers);
    }
    const bool close = self->stop_requested_.load();
    int gone = 0;
    for (const Answer& a : answers) {
      gone += reply(a.request, a.response, close) ? 0 : 1;
    }
    self->finished(gone);
  }

  // Loop thread: evhttp wrote an answer out completely.
  static void on_complete(evhttp_request* req, void* arg) {
    auto* self = static_cast<EvhttpServer*>(arg);
    if (Connection* conn = self->connection_of(req)) {
      conn->busy = false;
      // A pipelined next request already arriving starts its deadline now.
      if (evbuffer_get_length(bufferevent_get_input(conn->bev)) > 0) {
        conn->deadline = std::chrono::steady_clock::now() + self->limits_.request_deadline;
      }
    }
    self->finished(1);
  }

  // Loop thread.
  void finished(int requests) {
    in_flight_ -= requests;
    if (stop_requested_.load() && in_flight_ == 0) {
      event_base_loopbreak(base_); // every answer is out: the loop may end
    }
  }

  // Sends an answer; false when the client had already gone (evhttp then frees the
  // request without completing it).
  static bool reply(evhttp_request* req, const ServerResponse& response, bool close) {
    if (evhttp_request_get_connection(req) == nullptr) {
      evhttp_send_reply(req, response.status, nullptr, nullptr);
      return false;
    }
    evkeyvalq* out = evhttp_request_get_output_headers(req);
    evhttp_add_header(out, "Content-Type", response.content_type.c_str());
    // Set here, so that HEAD gets the length of the body it is not sent.
    evhttp_add_header(out, "Content-Length", std::to_string(response.body.size()).c_str());
    for (const auto& [name, value] : response.headers) {
      evhttp_add_header(out, name.c_str(), value.c_str());
    }
    if (close) {
      evhttp_add_header(out, "Connection", "close");
    }
    if (evhttp_request_get_command(req) != EVHTTP_REQ_HEAD) {
      evbuffer_add(evhttp_request_get_output_buffer(req), response.body.data(), response.body.size());
    }
    evhttp_send_reply(req, response.status, nullptr, nullptr);
    return true;
  }

  // Loop thread: stop accepting; end the loop now or once the requests received are answered.
  static void on_stop(evutil_socket_t, short, void* arg) {
    auto* self = static_cast<EvhttpServer*>(arg);
    if (self->bound_ != nullptr) {
      evhttp_del_accept_socket(self->http_, self->bound_);
      self->bound_ = nullptr;
    }
    self->release_pending();
    if (self->in_flight_ == 0) {
      event_base_loopbreak(self->base_);
    } else {
      const auto ms = self->limits_.drain_limit.count();
      const timeval limit{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>(ms % 1000 * 1000)};
      evtimer_add(self->drain_timer_, &limit);
    }
  }

  static void on_drain_limit(evutil_socket_t, short, void* arg) {
    event_base_loopbreak(static_cast<EvhttpServer*>(arg)->base_);
  }

  static void on_accept_error(evconnlistener* listener, void* arg) {
    auto* self = static_cast<EvhttpServer*>(arg);
    const int err = EVUTIL_SOCKET_ERROR();
    if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
      if (!self->warned_accept_) {
        log::write(fmt::format("cannot accept a connection: {} (more connections than the file descriptor "
                               "limit allows); pausing accept for 100 ms",
                               lower_errno_text(err)));
        self->warned_accept_ = true;
      }
      evconnlistener_disable(listener);
      evtimer_add(self->resume_timer_, &accept_pause);
    }
  }

  static void on_resume_accept(evutil_socket_t, short, void* arg) {
    auto* self = static_cast<EvhttpServer*>(arg);
    if (self->bound_ != nullptr) {
      evconnlistener_enable(evhttp_bound_socket_get_listener(self->bound_));
    }
  }

  // Ends the loop, closes the mailbox (later answers are dropped), then frees evhttp
  // (closing every connection left).
  void shut_down() {
    if (base_ == nullptr) {
      return;
    }
    stop();
    if (loop_.joinable()) {
      loop_.join();
    }
    {
      std::lock_guard lock(mailbox_->mutex);
      mailbox_->wake = nullptr;
      mailbox_->answers.clear(); // never sent: evhttp_free() frees their requests
    }
    pending_.clear();
    free_libevent();
  }

  void free_libevent() {
    for (event* e : {done_event_, start_event_, stop_event_, drain_timer_, resume_timer_, sweep_timer_}) {
      if (e != nullptr) {
        event_free(e);
      }
    }
    done_event_ = start_event_ = stop_event_ = drain_timer_ = resume_timer_ = sweep_timer_ = nullptr;
    if (http_ != nullptr) {
      evhttp_free(http_); // frees every connection (their bufferevents stay referenced)
      http_ = nullptr;
      bound_ = nullptr;
    }
    for (auto& [bev, conn] : connections_) {
      bufferevent_decref(bev);
    }
    connections_.clear();
    if (base_ != nullptr) {
      event_base_free(base_);
      base_ = nullptr;
    }
  }

  int port_ = 0;
  event_base* base_ = nullptr;
  evhttp* http_ = nullptr;
  evhttp_bound_socket* bound_ = nullptr; // loop thread only, once serving
  event* done_event_ = nullptr;
  event* start_event_ = nullptr;
  event* stop_event_ = nullptr;
  event* drain_timer_ = nullptr;
  event* resume_timer_ = nullptr;
  event* sweep_timer_ = nullptr;
  bool warned_accept_ = false; // loop thread only
  const ServerLimits limits_;
  const std::shared_ptr<Mailbox> mailbox_;
  std::thread loop_;

  // Loop thread only.
  std::unordered_map<bufferevent*, std::unique_ptr<Connection>> connections_;
  std::shared_ptr<const AsyncHandler> loop_handler_; // from on_start on
  std::deque<Pending> pending_;                      // received before there was a handler
  int in_flight_ = 0;                                // requests received and not answered yet

  std::atomic<bool> stop_requested_{false};
  std::mutex mutex_;                // guards the three below
  std::condition_variable changed_; // serve(): the loop ended
  std::shared_ptr<const AsyncHandler> handler_;
  bool loop_ended_ = false;
};

void Slot::answer(ServerResponse response) noexcept {
  if (answered_.exchange(true, std::memory_order_acq_rel)) {
    log::debug(1, "a request was answered twice; the second answer is dropped");
    return;
  }
  try {
    if (mailbox_->loop_thread.load() == std::this_thread::get_id()) {
      mailbox_->server->send(request_, response); // on the loop, the server is there
      return;
    }
    std::lock_guard lock(mailbox_->mutex);
    if (mailbox_->wake == nullptr) {
      return; // the server is gone (or going): nobody is left to answer
    }
    mailbox_->answers.push_back({request_, std::move(response)});
    if (mailbox_->answers.size() == 1) {
      event_active(mailbox_->wake, 0, 0); // answers was empty: no wake-up pending yet
    }
  } catch (const std::exception& e) {
    log::write(fmt::format("cannot send an answer: {}", e.what()));
  }
}

} // namespace

std::unique_ptr<HttpServer> make_http_server(ServerLimits limits) { return std::make_unique<EvhttpServer>(limits); }

} // namespace graflow::net
