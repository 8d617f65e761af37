#include "graflow/redis/resolver.hpp"

#include "graflow/core/error.hpp"
#include "graflow/core/fd.hpp"
#include "graflow/redis/transport.hpp"

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <poll.h>
#include <sys/eventfd.h>
#include <system_error>
#include <thread>
#include <unistd.h>
#include <utility>

namespace graflow::redis {
namespace {

std::string gai_text(int rc, int err) {
  return rc == EAI_SYSTEM ? lower_first(errno_text(err)) : lower_first(gai_strerror(rc));
}

// One lookup, shared by the caller and the thread that runs it: whichever lets go last
// frees it, so a caller that gave up leaves nothing dangling.
struct Lookup {
  std::string host;
  std::string service;
  addrinfo hints{};
  int rc = 0;
  int err = 0;
  addrinfo* result = nullptr;
  std::atomic<bool> finished{false};
  Fd done; // an eventfd the thread signals: the caller polls it with its deadline and cancel_fd

  Lookup() = default;
  Lookup(const Lookup&) = delete;
  Lookup& operator=(const Lookup&) = delete;
  ~Lookup() {
    if (result != nullptr) {
      freeaddrinfo(result);
    }
  }
};

} // namespace

Resolved resolve_bounded(const std::string& host, int port, std::chrono::steady_clock::time_point deadline,
                         int cancel_fd, const ResolveFn& resolve) {
  Resolved out;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  const std::string service = std::to_string(port);

  // An IP address needs no lookup: converted here, with no thread (the common case).
  addrinfo numeric = hints;
  numeric.ai_flags |= AI_NUMERICHOST;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), service.c_str(), &numeric, &found) == 0) {
    out.status = Resolved::Status::ok;
    out.list = std::shared_ptr<addrinfo>(found, freeaddrinfo);
    return out;
  }

  auto lookup = std::make_shared<Lookup>();
  lookup->host = host;
  lookup->service = service;
  lookup->hints = hints;
  lookup->done.reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (lookup->done.get() < 0) {
    out.error = lower_first(errno_text(errno));
    return out;
  }
  try {
    std::thread([lookup, resolve] {
      lookup->rc = resolve(lookup->host.c_str(), lookup->service.c_str(), &lookup->hints, &lookup->result);
      lookup->err = errno;
      lookup->finished.store(true, std::memory_order_release);
      const std::uint64_t one = 1;
      [[maybe_unused]] const auto n = ::write(lookup->done.get(), &one, sizeof one);
    }).detach();
  } catch (const std::system_error& e) {
    out.error = "cannot start the name lookup: " + lower_first(e.code().message());
    return out;
  }
  switch (wait_fd(lookup->done.get(), POLLIN, deadline, cancel_fd)) {
  case Io::Status::ok:
    break;
  case Io::Status::cancelled:
    out.status = Resolved::Status::cancelled;
    return out;
  case Io::Status::timeout:
    out.status = Resolved::Status::timeout;
    return out;
  case Io::Status::closed:
  case Io::Status::error:
    out.error = lower_first(errno_text(errno));
    return out;
  }
  if (!lookup->finished.load(std::memory_order_acquire)) {
    out.status = Resolved::Status::timeout; // not reached: the eventfd is written after finished
    return out;
  }
  if (lookup->rc != 0) {
    out.error = gai_text(lookup->rc, lookup->err);
    return out;
  }
  out.status = Resolved::Status::ok;
  out.list = std::shared_ptr<addrinfo>(std::exchange(lookup->result, nullptr), freeaddrinfo);
  return out;
}

} // namespace graflow::redis
