#include "graflow/net/server/worker_pool.hpp"

#include "graflow/core/log.hpp"

#include <fmt/format.h>

namespace graflow::net {

WorkerPool::WorkerPool(Handler handler, int threads) : handler_(std::move(handler)) {
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this] { work(); });
  }
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mutex_);
    exit_ = true;
  }
  work_.notify_all();
  for (auto& t : threads_) {
    t.join();
  }
}

void WorkerPool::submit(const ServerRequest& request, Respond respond) {
  {
    std::lock_guard lock(mutex_);
    jobs_.emplace_back(request, std::move(respond));
  }
  work_.notify_one();
}

void WorkerPool::work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    work_.wait(lock, [&] { return exit_ || !jobs_.empty(); });
    if (exit_) {
      return;
    }
    auto [request, respond] = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    ServerResponse response;
    try {
      response = handler_(request);
    } catch (const std::exception& e) {
      log::write(fmt::format("{} {}: {}", request.method, request.path, e.what()));
      response = ServerResponse{};
      response.status = 500;
      response.body = "500 internal server error\n";
    }
    respond(std::move(response));
    respond = nullptr; // destroyed outside the lock
    lock.lock();
  }
}

} // namespace graflow::net
