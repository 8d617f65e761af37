#include "graflow/redis/transport.hpp"

#include "graflow/core/duration.hpp"
#include "graflow/core/fd.hpp"
#include "graflow/core/error.hpp"
#include "graflow/core/log.hpp"
#include "graflow/redis/resolver.hpp"
#include "graflow/redis/tls.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <utility>

namespace graflow::redis {

std::string lower_first(std::string s) {
  if (s.size() > 1 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'a' && s[1] <= 'z') {
    s[0] = static_cast<char>(s[0] - 'A' + 'a');
  }
  return s;
}

struct Transport::Impl {
  std::string endpoint;
  int cancel_fd = -1;
  Fd fd;
  std::unique_ptr<TlsSession> tls;

  [[noreturn]] void unreachable(const std::string& why) const {
    throw failure(fmt::format("cannot reach Redis at {}: {}", endpoint, why));
  }

  // One non-blocking connect to `addr`; false (and `why`) when it failed.
  bool try_connect(const sockaddr* addr, socklen_t len, int family, Deadline deadline,
                   std::chrono::milliseconds timeout, std::string& why) {
    Fd s(socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (s.get() < 0) {
      why = lower_first(errno_text(errno));
      return false;
    }
    if (connect(s.get(), addr, len) != 0) {
      if (errno != EINPROGRESS) {
        why = lower_first(errno_text(errno));
        return false;
      }
      const auto st = wait_fd(s.get(), POLLOUT, deadline, cancel_fd);
      if (st == Io::Status::cancelled) {
        throw interrupted("");
      }
      if (st == Io::Status::timeout) {
        unreachable(fmt::format("connection timed out after {}", format_duration(timeout)));
      }
      int err = 0;
      socklen_t err_len = sizeof err;
      getsockopt(s.get(), SOL_SOCKET, SO_ERROR, &err, &err_len);
      if (err != 0) {
        why = lower_first(errno_text(err));
        return false;
      }
    }
    if (family != AF_UNIX) {
      const int one = 1;
      setsockopt(s.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    fd.reset(s.release());
    return true;
  }
};

Transport::Transport(const Address& address, Deadline deadline, std::chrono::milliseconds timeout, int cancel_fd)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.endpoint = address.endpoint();
  m.cancel_fd = cancel_fd;
  std::string why;
  if (!address.unix_path.empty()) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (address.unix_path.size() >= sizeof addr.sun_path) {
      throw usage_error(fmt::format("the unix socket path {} is too long", address.unix_path));
    }
    std::memcpy(addr.sun_path, address.unix_path.c_str(), address.unix_path.size() + 1);
    if (!m.try_connect(reinterpret_cast<const sockaddr*>(&addr), sizeof addr, AF_UNIX, deadline, timeout, why)) {
      m.unreachable(why);
    }
  } else {
    // Bounded like the connect: a DNS server that does not answer costs the timeout, no more.
    const Resolved resolved = resolve_bounded(address.host, address.port, deadline, cancel_fd);
    switch (resolved.status) {
    case Resolved::Status::ok:
      break;
    case Resolved::Status::cancelled:
      throw interrupted("");
    case Resolved::Status::timeout:
      m.unreachable(fmt::format("resolving {} timed out after {}", address.host, format_duration(timeout)));
    case Resolved::Status::failed:
      m.unreachable(resolved.error);
    }
    bool connected = false;
    for (const addrinfo* ai = resolved.list.get(); ai != nullptr && !connected; ai = ai->ai_next) {
      connected = m.try_connect(ai->ai_addr, ai->ai_addrlen, ai->ai_family, deadline, timeout, why);
    }
    if (!connected) {
      m.unreachable(why);
    }
  }
  log::debug(2, "connected to {}", m.endpoint);
  if (address.tls.enabled) {
    m.tls = start_tls(address, m.fd.get(), deadline, timeout, cancel_fd);
  }
}

Transport::~Transport() = default;

std::optional<TlsInfo> Transport::tls_info() const {
  if (!impl_->tls) {
    return std::nullopt;
  }
  return impl_->tls->info();
}

Io Transport::write_all(std::string_view data, Deadline deadline) {
  Impl& m = *impl_;
  if (m.tls) {
    return m.tls->write_all(data, deadline);
  }
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = send(m.fd.get(), data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      const auto st = wait_fd(m.fd.get(), POLLOUT, deadline, m.cancel_fd);
      if (st != Io::Status::ok) {
        return {st, done, ""};
      }
      continue;
    }
    return {Io::Status::error, done, lower_first(errno_text(errno))};
  }
  return {Io::Status::ok, done, ""};
}

Io Transport::read_some(char* buf, std::size_t size, Deadline deadline) {
  Impl& m = *impl_;
  if (m.tls) {
    return m.tls->read_some(buf, size, deadline);
  }
  while (true) {
    const ssize_t n = recv(m.fd.get(), buf, size, 0);
    if (n > 0) {
      return {Io::Status::ok, static_cast<std::size_t>(n), ""};
    }
    if (n == 0) {
      return {Io::Status::closed, 0, "the server closed the connection"};
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      return {Io::Status::error, 0, lower_first(errno_text(errno))};
    }
    const auto st = wait_fd(m.fd.get(), POLLIN, deadline, m.cancel_fd);
    if (st != Io::Status::ok) {
      return {st, 0, ""};
    }
  }
}

} // namespace graflow::redis
