#pragma once
// Reading queues of every layout (DESIGN.md §5b) through a CommandRunner (runner.hpp):
// waiting and in flight of all queues in one pipelined round trip (phase 1), then one
// dependent round trip for what needs an ID read in phase 1 (head jobs for the oldest age,
// Sidekiq's work hashes, a stream group's next undelivered entry). Never KEYS or SCAN. The
// interpretation of replies is pure and tested with replies built by hand
// (tests/unit/queues_*_test.cpp).
#include "graflow/core/error.hpp"
#include "graflow/queues/runner.hpp"
#include "graflow/queues/spec.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace graflow::queues {

using TimePoint = std::chrono::system_clock::time_point;

// A key of a queue that holds another type than its layout reads: the queue cannot be read.
struct WrongType {
  std::string key;      // as printed (control bytes escaped)
  std::string expected; // "list", "sorted set", ...
  std::string actual;   // what TYPE answered ("hash"); empty when it could not be asked
  std::string message;  // "key K holds a hash, not a list (layout bullmq, queue video)"
  std::string hint;     // what to check: another layout, another prefix, another database
};

// What one queue looks like now. An empty optional is "unknown": never reported as 0.
struct Reading {
  std::string id;
  Layout layout = Layout::graflow;
  std::string key; // main_key()
  std::optional<long long> waiting;
  std::optional<long long> in_flight;        // only layouts whose framework records it
  std::optional<double> oldest_age_seconds;  // 0 for a known-empty queue
  std::optional<bool> paused;                // bullmq only
  std::string waiting_unknown;               // why waiting is unknown (empty when known)
  std::string in_flight_unknown;             // why in flight is unknown, where it is read at all
  // Set when a key of the queue has the wrong type: then nothing of the queue is known (a number
  // read from the wrong structure would be a wrong number) and waiting_unknown is
  // "Redis at H: <message>; <hint>".
  std::optional<WrongType> wrong_type;
};

// What to check when `key` of `spec` holds `actual` (TYPE's word, may be empty) instead of
// `expected`: the queue may
// be of another layout (a stream, sorted set or list suggests the --queue that reads it) or
// under another prefix or database.
std::string wrong_type_hint(const QueueSpec& spec, const std::string& key, const std::string& expected,
                            const std::string& actual);

// Marks `reading` as unreadable because of a wrong-type key (every number cleared, wrong_type
// and the unknown reasons set); `endpoint` names the server in waiting_unknown.
void set_wrong_type(Reading& reading, const QueueSpec& spec, const std::string& endpoint, const std::string& key,
                    const std::string& expected, const std::string& actual);

// Celery's unacked hash is counted (HVALS decoded in Redis) only up to this many entries;
// above it, in flight is unknown.
inline constexpr long long celery_unacked_limit = 10'000;
// Up to this many entries, read_queues() reads the hash by delivery tag instead (HRANDFIELD
// with this count + 1, fields only) and decodes in Redis only the tags it has not seen in
// the reading before (ReadMemo); above it, it uses the in-Redis count of every entry.
inline constexpr long long celery_unacked_tag_limit = 1'000;

// What read_queues() keeps from one reading to the next so that it does not decode again
// what cannot have changed. kombu's QoS.append writes an unacked entry once under a fresh
// delivery tag (a uuid4) and deletes it on ack or restore, so a tag's routing key is read
// once, when the tag first appears; the memo holds exactly the tags of the last reading.
// One memo per reader, used by one thread at a time; without one, every tag is decoded.
struct ReadMemo {
  // Delivery tag -> routing key (nullopt: an entry of another shape, never counted).
  using Tags = std::unordered_map<std::string, std::optional<std::string>>;
  std::map<std::string, Tags> unacked; // by global_keyprefix
  // Sidekiq head jobs' enqueued_at by the job's text (a job stays at the head for many
  // readings): those of the last reading, and those of the one under way.
  std::unordered_map<std::string, std::optional<double>> head_times, head_times_now;
};

// A key of the wrong type: says which key, what it should be and for which queue. `actual`
// is filled in by read_queues() with a TYPE read (empty in the pure layer).
class WrongTypeError : public Error {
public:
  WrongTypeError(std::string key, std::string expected, const QueueSpec& spec, std::string actual = {});
  std::string key;
  std::string expected;
  std::string actual;
  std::string queue; // "layout celery, queue x"
};

// What phase 1 produced for one queue, and how to finish it in phase 2.
struct Stage {
  Reading reading;
  std::vector<Command> followup; // phase-2 commands (may be empty)
  // Applies the replies to `followup`, in order. Unset when followup is empty.
  std::function<void(Reading&, const std::vector<Reply>&)> finish;
};

// The phase-1 commands of one queue (`now` for RQ's expired started jobs).
std::vector<Command> first_commands(const QueueSpec& spec, TimePoint now);
// Interprets the replies to first_commands(spec, now) (same count, same order). Throws
// WrongTypeError for a wrong-type key and a failure Error for any other error reply.
// `memo`: as read_queues() passes it (or none).
Stage interpret_first(const QueueSpec& spec, const std::vector<Reply>& replies, TimePoint now,
                      ReadMemo* memo = nullptr);

// Reads every queue: one pipelined batch for all phase-1 commands, at most one more for all
// phase-2 commands, and one batch of TYPE reads only when keys have the wrong type (to name
// what they hold). A queue with a wrong-type key is unknown (Reading::wrong_type); the others
// are read as usual, so one misconfigured queue never hides the rest. Throws a failure Error
// naming the key and the runner's endpoint for any other error reply, and whatever the runner
// throws for I/O errors. A queue with an unavailable reply (a Cluster node that is down) is
// read as unknown, its reason in waiting_unknown. `memo`, when given, carries what one
// reading learnt to the next (ReadMemo).
std::vector<Reading> read_queues(CommandRunner& runner, const std::vector<QueueSpec>& specs, TimePoint now,
                                 ReadMemo* memo = nullptr);

// Parses a Redis stream entry ID ("1700000000000-3") into its millisecond time.
std::optional<long long> stream_id_ms(const std::string& id);
// Parses RQ's enqueued_at ("2026-12-01T09:20:20.123456Z", UTC) into a time point.
std::optional<TimePoint> parse_rq_time(const std::string& text);

} // namespace graflow::queues
