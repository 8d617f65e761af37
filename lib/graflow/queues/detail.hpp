#pragma once
// Helpers shared by the layout files (not part of the module's interface).
#include "graflow/queues/layouts.hpp"

#include <map>
#include <memory>
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
// once per reading for every queue under one global_keyprefix, by delivery tag: only the
// tags the last reading did not see (ReadMemo) are decoded, by cjson in Redis, in the
// dependent round trip. (first_commands() keeps the in-Redis count of every entry: one
// queue's commands on their own.)
std::vector<Command> celery_list_commands(const QueueSpec& spec);
// HLEN and HRANDFIELD <limit + 1>: every delivery tag whenever the hash is within the limit.
std::vector<Command> celery_unacked_reads(const std::string& global_keyprefix);
// What the replies to celery_unacked_reads() say, counted once for all queues sharing them.
struct UnackedCount {
  std::string key; // the unacked hash
  const Reply* length = nullptr;
  const Reply* tags = nullptr;
  bool over_tag_limit = false; // more than celery_unacked_tag_limit: counted in Redis instead
  std::map<std::string, long long, std::less<>> by_routing_key; // of the tags in the memo
  std::vector<std::string> fresh; // tags to decode in Redis (one more round trip)
  // The memo of this prefix, already holding exactly this reading's known tags; the fresh
  // tags' routing keys join it when they are decoded (`learnt`: by the first queue's
  // finish, for all). Null without a memo.
  ReadMemo::Tags* memo = nullptr;
  bool learnt = false;
};
// Counts the tags `memo` knows (null: none), leaving it holding only the tags read now.
UnackedCount count_unacked(const std::string& key, const Reply& length, const Reply& tags, ReadMemo::Tags* memo);
// A queue's Stage from its step lists' replies and its prefix's UnackedCount: in flight at
// once, or after the phase-2 decode of the fresh tags (or, when HRANDFIELD is refused or
// the hash is above the limit, the in-Redis count celery_commands() sends).
Stage celery_interpret_shared(const QueueSpec& spec, const std::vector<Reply>& lists,
                              const std::shared_ptr<UnackedCount>& unacked);
std::vector<Command> rq_commands(const QueueSpec& spec, TimePoint now);
Stage rq_interpret(const QueueSpec& spec, const std::vector<Reply>& replies, TimePoint now);
std::vector<Command> sidekiq_commands(const QueueSpec& spec);
Stage sidekiq_interpret(const QueueSpec& spec, const std::vector<Reply>& replies, TimePoint now,
                        ReadMemo* memo = nullptr);
std::vector<Command> bullmq_commands(const QueueSpec& spec);
Stage bullmq_interpret(const QueueSpec& spec, const std::vector<Reply>& replies, TimePoint now);

} // namespace graflow::queues::detail

namespace graflow::queues::detail {
// A Reading with id, layout and key filled in.
Reading base_reading(const QueueSpec& spec);
} // namespace graflow::queues::detail
