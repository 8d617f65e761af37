#pragma once
// Helpers shared by the layout files (not part of the module's interface).
#include "graflow/queues/layouts.hpp"

#include <map>
#include <string_view>

namespace graflow::queues::detail {

// Throws WrongTypeError for a WRONGTYPE reply, a failure Error naming `key` for any other
// error reply; otherwise does nothing.
void check(const QueueSpec& spec, const std::string& key, std::string_view expected, const Reply& reply);
// The integer in `reply` (after check()); a missing key's count is 0 from Redis already.
long long integer(const QueueSpec& spec, const std::string& key, std::string_view expected, const Reply& reply);
// The string in `reply` or nothing for nil (after check()).
std::optional<std::string> string_or_nil(const QueueSpec& spec, const std::string& key, std::string_view expected,
                                         const Reply& reply);
// Seconds from `then` to `now`, never negative (clocks of producers may run ahead).
double age_seconds(TimePoint now, TimePoint then);
TimePoint from_ms(long long ms);

// Per family: phase-1 commands and their interpretation.
std::vector<Command> plain_commands(const QueueSpec& spec);
Stage plain_interpret(const QueueSpec& spec, const std::vector<Reply>& replies, TimePoint now);
std::vector<Command> group_commands(const QueueSpec& spec);
Stage group_interpret(const QueueSpec& spec, const std::vector<Reply>& replies, TimePoint now);
std::vector<Command> celery_commands(const QueueSpec& spec);
Stage celery_interpret(const QueueSpec& spec, const std::vector<Reply>& replies);
// Celery as read_queues() reads it: the step lists per queue, and kombu's unacked hash read
// once per reading for every queue under one global_keyprefix, raw, its entries read here
// (kombu.hpp) instead of decoded by a Lua script in Redis. (first_commands() keeps the
// in-Redis count: one queue's commands on their own.)
std::vector<Command> celery_list_commands(const QueueSpec& spec);
// HLEN and HRANDFIELD <limit + 1> WITHVALUES: the whole hash whenever it is within the limit.
std::vector<Command> celery_unacked_reads(const std::string& global_keyprefix);
// What the replies to celery_unacked_reads() say, counted once for all queues sharing them.
struct UnackedCount {
  const Reply* length = nullptr;
  const Reply* entries = nullptr;
  bool over_raw_limit = false; // more than celery_unacked_raw_limit: counted in Redis instead
  std::map<std::string, long long, std::less<>> by_routing_key;
  std::vector<std::string> unsure; // entries left to cjson in Redis (one more round trip)
};
UnackedCount count_unacked(const Reply& length, const Reply& entries);
// A queue's Stage from its step lists' replies and its prefix's UnackedCount: in flight at
// once, or after the phase-2 decode of the unsure entries (or, when HRANDFIELD is refused,
// the in-Redis count celery_commands() sends).
Stage celery_interpret_shared(const QueueSpec& spec, const std::vector<Reply>& lists, const UnackedCount& unacked);
std::vector<Command> rq_commands(const QueueSpec& spec, TimePoint now);
Stage rq_interpret(const QueueSpec& spec, const std::vector<Reply>& replies, TimePoint now);
std::vector<Command> sidekiq_commands(const QueueSpec& spec);
Stage sidekiq_interpret(const QueueSpec& spec, const std::vector<Reply>& replies, TimePoint now);
std::vector<Command> bullmq_commands(const QueueSpec& spec);
Stage bullmq_interpret(const QueueSpec& spec, const std::vector<Reply>& replies, TimePoint now);

} // namespace graflow::queues::detail

namespace graflow::queues::detail {
// A Reading with id, layout and key filled in.
Reading base_reading(const QueueSpec& spec);
} // namespace graflow::queues::detail
