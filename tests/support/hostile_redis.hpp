#pragma once
// A loopback server that answers every request with a scripted byte string, optionally one
// byte at a time: a Redis that trickles, stalls, or sends garbage or negative numbers.
// For the tests of what graflowctl does with a misbehaving server (not a Redis mock: it
// only ever sends the script).
#include <atomic>
#include <chrono>
#include <string>
#include <thread>

namespace graflow::testing {

class HostileRedis {
public:
  // Answers the first bytes of each connection with `reply`, `per_byte` apart, then keeps
  // the connection open (an empty reply: stalls) until the client closes it.
  explicit HostileRedis(std::string reply, std::chrono::milliseconds per_byte = std::chrono::milliseconds(0));
  ~HostileRedis();
  HostileRedis(const HostileRedis&) = delete;
  HostileRedis& operator=(const HostileRedis&) = delete;

  [[nodiscard]] int port() const { return port_; }
  // redis://127.0.0.1:port
  [[nodiscard]] std::string url() const;
  // Connections that sent a request so far.
  [[nodiscard]] int requests() const { return requests_.load(); }

private:
  void serve();
  void answer(int fd);

  std::string reply_;
  std::chrono::milliseconds per_byte_;
  int listen_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  int port_ = 0;
  std::atomic<int> requests_{0};
  std::thread thread_;
};

} // namespace graflow::testing
