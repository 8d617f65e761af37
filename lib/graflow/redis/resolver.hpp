#pragma once
// Name resolution bounded by a deadline. getaddrinfo has no timeout of its own: a DNS server
// that does not answer would hold a connect for the resolver's own retries (30 s and more)
// whatever --redis-timeout says. Internal to graflow/redis (Transport uses it).
#include <chrono>
#include <functional>
#include <memory>
#include <netdb.h>
#include <string>

namespace graflow::redis {

// ::getaddrinfo's signature: the system resolver, or in tests one that hangs.
using ResolveFn = std::function<int(const char* host, const char* service, const addrinfo* hints, addrinfo** out)>;

struct Resolved {
  enum class Status { ok, failed, timeout, cancelled };
  Status status = Status::failed;
  std::shared_ptr<addrinfo> list; // when ok; freed with freeaddrinfo
  std::string error;              // when failed: why, in a few lower-case words
};

// The stream-socket addresses of host:port, resolved before `deadline`. A numeric address
// is converted at once, in this thread; a name is looked up by `resolve` in a thread of its
// own, which is abandoned (it finishes and frees what it holds by itself) when `deadline`
// passes or `cancel_fd` (-1: none) becomes readable. Never throws for the lookup itself.
Resolved resolve_bounded(const std::string& host, int port, std::chrono::steady_clock::time_point deadline,
                         int cancel_fd, const ResolveFn& resolve = ::getaddrinfo);

} // namespace graflow::redis
