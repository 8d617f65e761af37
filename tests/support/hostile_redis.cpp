#include "hostile_redis.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace graflow::testing {

HostileRedis::HostileRedis(std::string reply, std::chrono::milliseconds per_byte)
    : reply_(std::move(reply)), per_byte_(per_byte) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(listen_fd_, 16) != 0 ||
      pipe2(stop_pipe_, O_CLOEXEC) != 0) {
    throw std::runtime_error("HostileRedis: cannot listen");
  }
  socklen_t len = sizeof addr;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread(&HostileRedis::serve, this);
}

HostileRedis::~HostileRedis() {
  const char byte = 1;
  [[maybe_unused]] auto n = write(stop_pipe_[1], &byte, 1);
  thread_.join();
  close(listen_fd_);
  close(stop_pipe_[0]);
  close(stop_pipe_[1]);
}

std::string HostileRedis::url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

void HostileRedis::serve() {
  while (true) {
    pollfd p[2] = {{listen_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    poll(p, 2, -1);
    if ((p[1].revents & POLLIN) != 0) {
      return;
    }
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) {
      answer(fd);
      close(fd);
    }
  }
}

// One connection: wait for a request, send the script, hold until the client or the
// destructor ends it.
void HostileRedis::answer(int fd) {
  bool asked = false;
  std::size_t sent = 0;
  while (true) {
    const bool sending = asked && sent < reply_.size();
    const int wait = sending ? static_cast<int>(per_byte_.count()) : -1;
    pollfd p[2] = {{fd, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    poll(p, 2, wait);
    if ((p[1].revents & POLLIN) != 0) {
      return;
    }
    if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      char buf[4096];
      if (read(fd, buf, sizeof buf) <= 0) {
        return; // the client closed
      }
      if (!asked) {
        asked = true;
        ++requests_;
      }
      if (per_byte_.count() > 0) {
        continue; // the first byte goes out after one interval
      }
    }
    if (asked && sent < reply_.size()) {
      const std::size_t n = per_byte_.count() > 0 ? 1 : reply_.size() - sent;
      const ssize_t w = send(fd, reply_.data() + sent, n, MSG_NOSIGNAL);
      if (w <= 0) {
        return;
      }
      sent += static_cast<std::size_t>(w);
    }
  }
}

} // namespace graflow::testing
