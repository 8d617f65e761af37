#include "graflow/queues/hiredis_runner.hpp"

#include "graflow/core/error.hpp"

#include <fmt/format.h>
#include <hiredis/hiredis.h>

namespace graflow::queues {
namespace {

// Debian 12's hiredis 0.14 speaks RESP2 only: no double, map or set replies to convert.
Reply to_reply(const redisReply* r) {
  Reply out;
  switch (r->type) {
  case REDIS_REPLY_INTEGER:
    return Reply::of(static_cast<long long>(r->integer));
  case REDIS_REPLY_STRING:
    return Reply::of(std::string(r->str, r->len));
  case REDIS_REPLY_STATUS:
    out.type = Reply::Type::status;
    out.str.assign(r->str, r->len);
    return out;
  case REDIS_REPLY_ERROR:
    return Reply::error(std::string(r->str, r->len));
  case REDIS_REPLY_ARRAY: {
    std::vector<Reply> items;
    items.reserve(r->elements);
    for (size_t i = 0; i < r->elements; ++i) {
      items.push_back(to_reply(r->element[i]));
    }
    return Reply::array(std::move(items));
  }
  default:
    return Reply::nil();
  }
}

struct FreeReply {
  void operator()(void* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<void, FreeReply>;

} // namespace

void HiredisRunner::Free::operator()(redisContext* c) const { redisFree(c); }

HiredisRunner::HiredisRunner(redis::Address address, std::chrono::milliseconds timeout)
    : address_(std::move(address)) {
  const auto ms = timeout.count();
  const timeval tv{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
  redisContext* raw = address_.unix_path.empty() ? redisConnectWithTimeout(address_.host.c_str(), address_.port, tv)
                                                  : redisConnectUnixWithTimeout(address_.unix_path.c_str(), tv);
  if (raw == nullptr) {
    throw failure(fmt::format("cannot reach Redis at {}: out of memory", address_.endpoint()));
  }
  ctx_.reset(raw);
  if (ctx_->err != 0) {
    throw failure(fmt::format("cannot reach Redis at {}: {}", address_.endpoint(), ctx_->errstr));
  }
  redisSetTimeout(ctx_.get(), tv);
  std::vector<Command> hello;
  if (!address_.password.empty()) {
    hello.push_back(address_.user.empty() ? Command{"AUTH", address_.password}
                                          : Command{"AUTH", address_.user, address_.password});
  }
  if (address_.db != 0) {
    hello.push_back({"SELECT", std::to_string(address_.db)});
  }
  if (!hello.empty()) {
    for (const auto& reply : pipeline(hello)) {
      if (reply.is_error()) {
        // The server's message names neither the password nor anything secret.
        throw failure(fmt::format("Redis at {} refused the connection: {}", address_.endpoint(), reply.str));
      }
    }
  }
}

HiredisRunner::~HiredisRunner() = default;

void HiredisRunner::fail_io(const char* doing) {
  throw failure(fmt::format("Redis at {}: {} failed: {}", address_.endpoint(), doing,
                            ctx_->errstr[0] != '\0' ? ctx_->errstr : "connection lost"));
}

std::vector<Reply> HiredisRunner::pipeline(const std::vector<Command>& commands) {
  for (const auto& command : commands) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    argv.reserve(command.size());
    lens.reserve(command.size());
    for (const auto& arg : command) {
      argv.push_back(arg.data());
      lens.push_back(arg.size());
    }
    if (redisAppendCommandArgv(ctx_.get(), static_cast<int>(argv.size()), argv.data(), lens.data()) != REDIS_OK) {
      fail_io("sending a command");
    }
  }
  std::vector<Reply> replies;
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(ctx_.get(), &raw) != REDIS_OK || raw == nullptr) {
      fail_io("reading a reply");
    }
    ReplyPtr owned(raw);
    replies.push_back(to_reply(static_cast<const redisReply*>(raw)));
  }
  return replies;
}

} // namespace graflow::queues
