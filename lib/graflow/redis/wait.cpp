// wait_fd (transport.hpp) on its own, for graflowctl-tls.so to link without the transport.
#include "graflow/redis/transport.hpp"

#include <algorithm>
#include <cerrno>
#include <poll.h>

namespace graflow::redis {

Io::Status wait_fd(int fd, short events, Deadline deadline, int cancel_fd) {
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      return Io::Status::timeout;
    }
    pollfd p[2] = {{fd, events, 0}, {cancel_fd, POLLIN, 0}};
    const int n = poll(p, cancel_fd >= 0 ? 2 : 1, static_cast<int>(std::min<long long>(left + 1, 60'000)));
    if (n < 0 && errno != EINTR) {
      return Io::Status::error;
    }
    if (cancel_fd >= 0 && (p[1].revents & POLLIN) != 0) {
      return Io::Status::cancelled;
    }
    if (n > 0 && p[0].revents != 0) {
      return Io::Status::ok;
    }
  }
}

} // namespace graflow::redis
