#include "graflow/redis/store.hpp"

#include "graflow/core/duration.hpp"
#include "graflow/core/error.hpp"
#include "graflow/core/log.hpp"

#include <cctype>
#include <cerrno>
#include <fmt/format.h>
#include <hiredis/hiredis.h>

namespace graflow::redis {
namespace {

struct ReplyFree {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyFree>;

timeval to_timeval(std::chrono::milliseconds d) {
  return timeval{static_cast<time_t>(d.count() / 1000), static_cast<suseconds_t>((d.count() % 1000) * 1000)};
}

std::string lower_first(std::string s) {
  if (s.size() > 1 && std::isupper(static_cast<unsigned char>(s[0])) && std::islower(static_cast<unsigned char>(s[1]))) {
    s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  }
  return s;
}

bool timed_out(const redisContext* c) {
  const std::string err = c->errstr;
  return err.find("timed out") != std::string::npos || err.find("temporarily unavailable") != std::string::npos ||
         err.find("Timeout") != std::string::npos;
}

} // namespace

void Connection::Free::operator()(redisContext* c) const { redisFree(c); }

Connection::Connection(Address address, std::chrono::milliseconds timeout)
    : address_(std::move(address)), timeout_(timeout) {
  const timeval tv = to_timeval(timeout_);
  log::debug(1, "connecting to Redis at {} (timeout {})", address_.endpoint(), format_duration(timeout_));
  redisContext* raw = address_.unix_path.empty() ? redisConnectWithTimeout(address_.host.c_str(), address_.port, tv)
                                                  : redisConnectUnixWithTimeout(address_.unix_path.c_str(), tv);
  if (raw == nullptr) {
    throw failure(fmt::format("cannot reach Redis at {}: out of memory", address_.endpoint()));
  }
  ctx_.reset(raw);
  if (ctx_->err != 0) {
    if (timed_out(ctx_.get())) {
      throw failure(fmt::format("cannot reach Redis at {}: connection timed out after {}", address_.endpoint(),
                                format_duration(timeout_)));
    }
    throw failure(fmt::format("cannot reach Redis at {}: {}", address_.endpoint(), lower_first(ctx_->errstr)));
  }
  redisSetTimeout(ctx_.get(), tv);
}

Connection::~Connection() = default;

void Connection::fail_io(const char* doing) {
  usable_ = false;
  if (timed_out(ctx_.get())) {
    throw failure(fmt::format("Redis at {} did not answer {} within {}", address_.endpoint(), doing,
                              format_duration(timeout_)));
  }
  throw failure(fmt::format("lost the connection to Redis at {} while {}: {}", address_.endpoint(), doing,
                            lower_first(ctx_->errstr)));
}

std::vector<long long> Connection::lengths(const std::vector<std::string>& keys) {
  if (!usable_) {
    throw failure(fmt::format("the connection to Redis at {} is broken", address_.endpoint()));
  }
  // Queue the handshake and every LLEN, then read all replies: one round trip.
  int handshake = 0;
  bool sent_auth = false;
  bool sent_select = false;
  if (handshake_pending_) {
    if (!address_.password.empty()) {
      sent_auth = true;
      if (address_.user.empty()) {
        redisAppendCommand(ctx_.get(), "AUTH %b", address_.password.data(), address_.password.size());
      } else {
        redisAppendCommand(ctx_.get(), "AUTH %b %b", address_.user.data(), address_.user.size(),
                           address_.password.data(), address_.password.size());
      }
      ++handshake;
    }
    if (address_.db != 0) {
      sent_select = true;
      redisAppendCommand(ctx_.get(), "SELECT %d", address_.db);
      ++handshake;
    }
  }
  for (const auto& key : keys) {
    redisAppendCommand(ctx_.get(), "LLEN %b", key.data(), key.size());
  }
  log::debug(2, "Redis {}: {} command(s) in one round trip", address_.endpoint(), handshake + keys.size());

  std::vector<Reply> replies;
  const std::size_t total = static_cast<std::size_t>(handshake) + keys.size();
  for (std::size_t i = 0; i < total; ++i) {
    void* raw = nullptr;
    if (redisGetReply(ctx_.get(), &raw) != REDIS_OK || raw == nullptr) {
      fail_io("reading queue lengths");
    }
    replies.emplace_back(static_cast<redisReply*>(raw));
  }
  handshake_pending_ = false;

  std::size_t i = 0;
  if (sent_auth) {
    const auto& r = replies[i++];
    if (r->type == REDIS_REPLY_ERROR) {
      usable_ = false;
      throw failure(fmt::format("Redis at {} rejected the credentials{}: {}", address_.endpoint(),
                                address_.user.empty() ? "" : fmt::format(" of user \"{}\"", address_.user),
                                std::string(r->str, r->len)));
    }
  }
  if (sent_select) {
    const auto& r = replies[i++];
    if (r->type == REDIS_REPLY_ERROR) {
      usable_ = false;
      throw failure(fmt::format("Redis at {} refused database {}: {}", address_.endpoint(), address_.db,
                                std::string(r->str, r->len)));
    }
  }
  std::vector<long long> out;
  for (const auto& key : keys) {
    const auto& r = replies[i++];
    if (r->type == REDIS_REPLY_INTEGER) {
      out.push_back(r->integer);
      continue;
    }
    const std::string message = r->type == REDIS_REPLY_ERROR ? std::string(r->str, r->len) : "unexpected reply";
    if (message.rfind("NOAUTH", 0) == 0) {
      throw failure(fmt::format("Redis at {} requires a password: {} (give it in the URL: "
                                "redis://[user:]PASSWORD@host:port)",
                                address_.endpoint(), message));
    }
    if (message.rfind("WRONGTYPE", 0) == 0) {
      std::string type = "something else";
      if (Reply t{static_cast<redisReply*>(redisCommand(ctx_.get(), "TYPE %b", key.data(), key.size()))};
          t && t->type == REDIS_REPLY_STATUS) {
        type = std::string("a ") + std::string(t->str, t->len);
      }
      throw failure(fmt::format("key {} at Redis {} is not a list: it holds {} (WRONGTYPE)", key,
                                address_.endpoint(), type));
    }
    if (message.rfind("NOPERM", 0) == 0) {
      throw failure(fmt::format("Redis at {} does not allow LLEN on {}: {}", address_.endpoint(), key, message));
    }
    throw failure(fmt::format("Redis at {} failed LLEN {}: {}", address_.endpoint(), key, message));
  }
  return out;
}

} // namespace graflow::redis
