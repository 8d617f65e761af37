#pragma once
// Helpers shared by the layout files (not part of the module's interface).
#include "graflow/queues/layouts.hpp"

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
