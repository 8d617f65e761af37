#include "graflow/redis/store.hpp"

#include "graflow/core/duration.hpp"
#include "graflow/core/error.hpp"
#include "graflow/core/log.hpp"
#include "graflow/core/printable.hpp"
#include "graflow/redis/transport.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <fmt/format.h>
#include <hiredis/hiredis.h>

namespace graflow::redis {
namespace {

// More than any queue-length reply could need: a hostile server cannot fill memory.
constexpr std::size_t max_reply_bytes = 64u << 20;
// Lengths above 2^53 cannot be exported exactly as a Prometheus sample: not a real queue.
constexpr long long max_length = 1LL << 53;

struct ReaderFree {
  void operator()(redisReader* r) const { redisReaderFree(r); }
};

// hiredis parses the replies and builds our Reply directly, through its documented
// redisReplyObjectFunctions, instead of its own redisReply that was then copied into ours:
// one allocation per string instead of three. A top-level reply is allocated here (the
// reader hands it back, or frees it with free_reply on an error). An element is appended to
// its array as it arrives: hiredis keeps pointers only to the arrays still being filled,
// which no append moves, and an array's announced size is never allocated up front (a
// hostile "*100000000" header costs nothing until its elements come, within the reply limit).
Reply* place(const redisReadTask* task) {
  if (task->parent == nullptr) {
    return new Reply();
  }
  auto& elements = static_cast<Reply*>(task->parent->obj)->elements;
  return &elements.emplace_back();
}

// Places a reply and lets `fill` set it; nullptr (hiredis's "out of memory") instead of an
// exception thrown into C, and no top-level reply left behind.
template <class Fill>
void* build(const redisReadTask* task, Fill fill) noexcept {
  Reply* r = nullptr;
  try {
    r = place(task);
    fill(*r);
    return r;
  } catch (...) {
    if (task->parent == nullptr) {
      delete r;
    }
    return nullptr;
  }
}
void* create_string(const redisReadTask* task, char* str, size_t len) noexcept {
  return build(task, [&](Reply& r) {
    r.type = task->type == REDIS_REPLY_ERROR    ? Reply::Type::error
             : task->type == REDIS_REPLY_STATUS ? Reply::Type::status
                                                : Reply::Type::string;
    r.str.assign(str, len);
  });
}
void* create_array(const redisReadTask* task, int elements) noexcept {
  return build(task, [&](Reply& r) {
    r.type = Reply::Type::array;
    r.elements.reserve(static_cast<std::size_t>(std::clamp(elements, 0, 1024)));
  });
}
void* create_integer(const redisReadTask* task, long long value) noexcept {
  return build(task, [&](Reply& r) {
    r.type = Reply::Type::integer;
    r.integer = value;
  });
}
void* create_nil(const redisReadTask* task) noexcept {
  return build(task, [](Reply& /*nil until set*/) {});
}
void free_reply(void* reply) noexcept { delete static_cast<Reply*>(reply); }

redisReplyObjectFunctions reply_functions{create_string, create_array, create_integer, create_nil, free_reply};

// RESP as redisFormatCommandArgv writes it (*argc, then $len and the bytes per argument),
// written straight into the request: the formatter's allocations and sprintf calls were a
// tenth of the exporter's time reading hundreds of queues.
void append_command(std::string& out, const Command& command) {
  std::array<char, 24> digits{};
  const auto header = [&](char kind, std::size_t n) {
    out += kind;
    const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), n).ptr;
    out.append(digits.data(), end);
    out += "\r\n";
  };
  header('*', command.size());
  for (const auto& argument : command) {
    header('$', argument.size());
    out += argument;
    out += "\r\n";
  }
}

} // namespace

const char* describe(Reply::Type type) {
  switch (type) {
  case Reply::Type::string:
    return "a bulk string";
  case Reply::Type::array:
    return "an array";
  case Reply::Type::integer:
    return "an integer";
  case Reply::Type::nil:
    return "nil";
  case Reply::Type::status:
    return "a status";
  case Reply::Type::error:
    return "an error";
  }
  return "an unknown reply";
}

Connection::Connection(Address address, std::chrono::milliseconds timeout, int cancel_fd)
    : address_(std::move(address)), timeout_(timeout), cancel_fd_(cancel_fd) {
  log::debug(1, "connecting to Redis at {}{} (timeout {})", address_.endpoint(), address_.tls.enabled ? " over TLS" : "",
             format_duration(timeout_));
  transport_ = std::make_unique<Transport>(address_, std::chrono::steady_clock::now() + timeout_, timeout_, cancel_fd_);
}

Connection::~Connection() = default;

std::optional<TlsInfo> Connection::tls_info() const { return transport_->tls_info(); }

std::vector<Reply> Connection::pipeline(const std::vector<Command>& commands, const char* doing) {
  // One deadline for the whole request: a server that trickles its reply cannot stretch it.
  return pipeline_by(commands, doing, std::chrono::steady_clock::now() + timeout_, timeout_);
}

std::vector<Reply> Connection::pipeline_until(const std::vector<Command>& commands, const char* doing,
                                              std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return pipeline_by(commands, doing, deadline, std::max(left, std::chrono::milliseconds(0)));
}

std::vector<Reply> Connection::pipeline_by(const std::vector<Command>& commands, const char* doing,
                                           std::chrono::steady_clock::time_point deadline,
                                           std::chrono::milliseconds budget) {
  if (!usable_) {
    throw failure(fmt::format("the connection to Redis at {} is broken", address_.endpoint()));
  }
  std::string request;
  std::size_t handshake = 0;
  bool sent_auth = false;
  bool sent_select = false;
  if (handshake_pending_) {
    if (!address_.password.empty()) {
      append_command(request, address_.user.empty() ? Command{"AUTH", address_.password}
                                                    : Command{"AUTH", address_.user, address_.password});
      sent_auth = true;
      ++handshake;
    }
    if (address_.db != 0) {
      append_command(request, {"SELECT", std::to_string(address_.db)});
      sent_select = true;
      ++handshake;
    }
  }
  std::size_t size = request.size();
  for (const auto& c : commands) {
    size += 16;
    for (const auto& argument : c) {
      size += argument.size() + 16; // "$<len>\r\n" and "\r\n"
    }
  }
  request.reserve(size);
  for (const auto& c : commands) {
    append_command(request, c);
  }
  const std::size_t total = handshake + commands.size();
  log::debug(2, "Redis {}: {} command(s) in one round trip", address_.endpoint(), total);

  usable_ = false; // until the whole reply is in
  const auto fail = [&](const Io& io) {
    switch (io.status) {
    case Io::Status::cancelled:
      throw interrupted("");
    case Io::Status::timeout:
      throw failure(fmt::format("Redis at {} did not answer {} within {}", address_.endpoint(), doing,
                                format_duration(budget)));
    default:
      throw failure(
          fmt::format("lost the connection to Redis at {} while {}: {}", address_.endpoint(), doing, io.detail));
    }
  };
  if (const Io io = transport_->write_all(request, deadline); io.status != Io::Status::ok) {
    fail(io);
  }

  std::unique_ptr<redisReader, ReaderFree> reader(redisReaderCreateWithFunctions(&reply_functions));
  if (!reader) {
    throw failure("out of memory creating a Redis reply reader");
  }
  std::vector<Reply> replies;
  replies.reserve(total);
  std::size_t received = 0;
  char buf[16 * 1024];
  while (replies.size() < total) {
    void* raw = nullptr;
    if (redisReaderGetReply(reader.get(), &raw) != REDIS_OK) {
      throw failure(fmt::format("Redis at {} sent something that is not a Redis reply while {}: {}",
                                address_.endpoint(), doing, printable(reader->errstr, 120)));
    }
    if (raw != nullptr) {
      const std::unique_ptr<Reply> reply(static_cast<Reply*>(raw));
      replies.push_back(std::move(*reply));
      continue;
    }
    const Io io = transport_->read_some(buf, sizeof buf, deadline);
    if (io.status != Io::Status::ok) {
      fail(io);
    }
    received += io.bytes;
    if (received > max_reply_bytes) {
      throw failure(fmt::format("Redis at {} sent more than {} MiB while {}", address_.endpoint(),
                                max_reply_bytes >> 20, doing));
    }
    if (redisReaderFeed(reader.get(), buf, io.bytes) != REDIS_OK) {
      throw failure("out of memory reading a Redis reply");
    }
  }
  usable_ = true;
  handshake_pending_ = false;
  check_handshake(replies, sent_auth, sent_select);
  replies.erase(replies.begin(), replies.begin() + static_cast<std::ptrdiff_t>(handshake));
  return replies;
}

void Connection::check_handshake(const std::vector<Reply>& replies, bool sent_auth, bool sent_select) {
  std::size_t i = 0;
  if (sent_auth) {
    if (const Reply& r = replies[i++]; r.is_error()) {
      usable_ = false;
      throw failure(fmt::format("Redis at {} rejected the credentials{}: {}", address_.endpoint(),
                                address_.user.empty() ? "" : fmt::format(" of user \"{}\"", printable(address_.user, 80)),
                                printable(r.str)));
    }
  }
  if (sent_select) {
    if (const Reply& r = replies[i++]; r.is_error()) {
      usable_ = false;
      throw failure(
          fmt::format("Redis at {} refused database {}: {}", address_.endpoint(), address_.db, printable(r.str)));
    }
  }
}

std::vector<long long> QueueStore::lengths(const std::vector<std::string>& keys) {
  std::vector<long long> out;
  out.reserve(keys.size());
  for (auto& length : known_lengths(keys)) {
    if (!length.value) {
      throw failure(length.unknown);
    }
    out.push_back(*length.value);
  }
  return out;
}

std::vector<QueueStore::Length> QueueStore::known_lengths(const std::vector<std::string>& keys) {
  std::vector<Command> commands;
  commands.reserve(keys.size());
  for (const auto& key : keys) {
    commands.push_back({"LLEN", key});
  }
  const std::vector<Reply> replies = pipeline(commands, "reading queue lengths");
  std::vector<Length> out;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const Reply& r = replies[i];
    const std::string key = printable(keys[i], 120);
    if (r.unavailable) {
      out.push_back({std::nullopt, r.str, {}, false});
      continue;
    }
    if (r.type == Reply::Type::integer) {
      if (r.integer < 0 || r.integer > max_length) {
        throw failure(fmt::format("Redis at {} answered LLEN {} with {}, which is not a queue length",
                                  endpoint(), key, r.integer));
      }
      out.push_back({r.integer, {}, {}, false});
      continue;
    }
    if (!r.is_error()) {
      throw failure(fmt::format("Redis at {} answered LLEN {} with {}, not an integer", endpoint(), key,
                                describe(r.type)));
    }
    const std::string message = printable(r.str);
    if (r.str.rfind("NOAUTH", 0) == 0) {
      throw failure(fmt::format("Redis at {} requires a password: {} (give --redis-password-file, "
                                "$GRAFLOW_REDIS_PASSWORD or redis://[user:]PASSWORD@host:port)",
                                endpoint(), message));
    }
    if (r.str.rfind("WRONGTYPE", 0) == 0) {
      // Only this queue is unknown: the other keys' lengths are right.
      Length wrong;
      wrong.is_wrong_type = true;
      std::string type = "something else";
      if (auto t = pipeline({{"TYPE", keys[i]}}, "reading a key's type");
          !t.empty() && t[0].type == Reply::Type::status) {
        wrong.wrong_type = printable(t[0].str, 40);
        type = "a " + wrong.wrong_type;
      }
      wrong.unknown = fmt::format("key {} at Redis {} is not a list: it holds {} (WRONGTYPE)", key, endpoint(), type);
      out.push_back(std::move(wrong));
      continue;
    }
    if (r.str.rfind("NOPERM", 0) == 0) {
      throw failure(fmt::format("Redis at {} does not allow LLEN on {}: {}", endpoint(), key, message));
    }
    throw failure(fmt::format("Redis at {} failed LLEN {}: {}", endpoint(), key, message));
  }
  return out;
}

} // namespace graflow::redis
