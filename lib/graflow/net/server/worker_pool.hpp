#pragma once
// A few threads running a synchronous net::Handler: what HttpServer::serve() puts between
// the event loop and a handler that blocks (the loop itself must never block).
#include "graflow/net/http.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace graflow::net {

class WorkerPool {
public:
  // Starts `threads` threads that run `handler`.
  WorkerPool(Handler handler, int threads);
  // Waits for the handlers running; requests still queued are dropped (their Respond,
  // destroyed uncalled, answers 500 or nothing when the server is already gone).
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues a request; a worker runs the handler and answers through `respond` (500 when
  // the handler throws). Thread-safe.
  void submit(const ServerRequest& request, Respond respond);

private:
  void work();

  const Handler handler_;
  std::mutex mutex_;
  std::condition_variable work_;
  std::deque<std::pair<ServerRequest, Respond>> jobs_;
  bool exit_ = false;
  std::vector<std::thread> threads_;
};

} // namespace graflow::net
