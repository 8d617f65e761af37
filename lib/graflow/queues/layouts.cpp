#include "graflow/queues/layouts.hpp"

#include "graflow/queues/detail.hpp"

#include <charconv>
#include <ctime>
#include <fmt/format.h>
#include <iterator>
#include <map>
#include <unordered_map>

namespace graflow::queues {

namespace {

std::string describe(const QueueSpec& spec) {
  return fmt::format("layout {}, queue {}", layout_name(spec.layout), spec.id);
}

// Celery's step keys hold \x06\x16: keys are shown with control bytes escaped.
std::string printable(const std::string& key) {
  std::string out;
  for (const char c : key) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

std::string wrong_type_message(const std::string& key, const std::string& expected, const std::string& actual,
                               const std::string& queue) {
  if (actual.empty() || actual == "none") {
    return fmt::format("key {} is not a {} ({})", printable(key), expected, queue);
  }
  return fmt::format("key {} holds a {}, not a {} ({})", printable(key), actual, expected, queue);
}

} // namespace

std::string wrong_type_hint(const QueueSpec& spec, const std::string& key, const std::string& expected,
                            const std::string& actual) {
  // A type another layout reads on a named key: say which --queue would read it.
  std::string suggestion;
  const std::pair<const char*, Layout> readers[] = {{"stream", Layout::stream}, {"zset", Layout::zset},
                                                    {"list", Layout::list}};
  for (const auto& [type, layout] : readers) {
    if (actual == type && layout != spec.layout) {
      suggestion = fmt::format(" (a {} is read by --queue {}:{})", actual == "zset" ? "sorted set" : actual,
                               layout_name(layout), printable(key));
    }
  }
  std::string check;
  switch (spec.layout) {
  case Layout::graflow:
    check = "the key prefix (--key-prefix, keyPrefix)";
    break;
  case Layout::list:
  case Layout::zset:
  case Layout::stream:
    check = "the key name (keys=)";
    break;
  case Layout::celery:
    check = "the queue name, global_keyprefix=";
    break;
  case Layout::rq:
  case Layout::sidekiq:
    check = "the queue name";
    break;
  case Layout::bullmq:
    check = "the queue name, prefix= (BullMQ's default is bull)";
    break;
  }
  return fmt::format("wrong layout or wrong prefix? The {} layout expects a {} there{}; check {} and the database "
                     "in the Redis URL",
                     layout_name(spec.layout), expected, suggestion, check);
}

void set_wrong_type(Reading& reading, const QueueSpec& spec, const std::string& endpoint, const std::string& key,
                    const std::string& expected, const std::string& actual) {
  Reading r = detail::base_reading(spec);
  WrongType w;
  w.key = printable(key);
  w.expected = expected;
  w.actual = actual;
  w.message = wrong_type_message(key, expected, actual, describe(spec));
  w.hint = wrong_type_hint(spec, key, expected, actual);
  if (spec.layout == Layout::graflow) {
    // The seed's layout keeps the words it has when read alone (redis::QueueStore::known_lengths).
    r.waiting_unknown = fmt::format("key {} at Redis {} is not a list: it holds {} (WRONGTYPE); {}", w.key, endpoint,
                                    actual.empty() ? std::string("something else") : "a " + actual, w.hint);
  } else {
    r.waiting_unknown = fmt::format("Redis at {}: {}; {}", endpoint, w.message, w.hint);
  }
  const bool records_in_flight = spec.layout == Layout::celery || spec.layout == Layout::rq ||
                                 spec.layout == Layout::sidekiq || spec.layout == Layout::bullmq ||
                                 (spec.layout == Layout::stream && !spec.group.empty());
  if (records_in_flight) {
    r.in_flight_unknown = r.waiting_unknown;
  }
  r.wrong_type = std::move(w);
  reading = std::move(r);
}

WrongTypeError::WrongTypeError(std::string key_, std::string expected_, const QueueSpec& spec, std::string actual_)
    : Error(Exit::failure, wrong_type_message(key_, expected_, actual_, describe(spec))), key(std::move(key_)),
      expected(std::move(expected_)), actual(std::move(actual_)), queue(describe(spec)) {}

namespace detail {

void check(const QueueSpec& spec, const std::string& key, std::string_view expected, const Reply& reply) {
  if (!reply.is_error()) {
    return;
  }
  if (reply.str.find("WRONGTYPE") != std::string::npos) {
    throw WrongTypeError(key, std::string(expected), spec);
  }
  throw failure(fmt::format("reading key {} ({}): {}", printable(key), describe(spec), reply.str));
}

long long integer(const QueueSpec& spec, const std::string& key, std::string_view expected, const Reply& reply) {
  check(spec, key, expected, reply);
  if (!reply.is_integer()) {
    throw failure(fmt::format("reading key {} ({}): unexpected reply", printable(key), describe(spec)));
  }
  return reply.integer;
}

std::optional<std::string> string_or_nil(const QueueSpec& spec, const std::string& key, std::string_view expected,
                                         const Reply& reply) {
  check(spec, key, expected, reply);
  if (reply.is_nil()) {
    return std::nullopt;
  }
  if (!reply.is_string()) {
    throw failure(fmt::format("reading key {} ({}): unexpected reply", printable(key), describe(spec)));
  }
  return reply.str;
}

double age_seconds(TimePoint now, TimePoint then) {
  const double s = std::chrono::duration<double>(now - then).count();
  return s < 0 ? 0.0 : s;
}

TimePoint from_ms(long long ms) { return TimePoint(std::chrono::milliseconds(ms)); }

} // namespace detail

std::optional<long long> stream_id_ms(const std::string& id) {
  const auto dash = id.find('-');
  const std::string_view ms_part = std::string_view(id).substr(0, dash);
  long long ms = 0;
  auto [ptr, ec] = std::from_chars(ms_part.data(), ms_part.data() + ms_part.size(), ms);
  if (ms_part.empty() || ec != std::errc{} || ptr != ms_part.data() + ms_part.size()) {
    return std::nullopt;
  }
  return ms;
}

std::optional<TimePoint> parse_rq_time(const std::string& text) {
  // RQ 1.13 writes utcformat(): '%Y-%m-%dT%H:%M:%S.%fZ'; older jobs may lack the fraction.
  std::tm tm{};
  const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr) {
    return std::nullopt;
  }
  long long micros = 0;
  if (*rest == '.') {
    ++rest;
    int digits = 0;
    while (*rest >= '0' && *rest <= '9') {
      if (digits < 6) {
        micros = micros * 10 + (*rest - '0');
        ++digits;
      }
      ++rest;
    }
    for (; digits < 6; ++digits) {
      micros *= 10;
    }
  }
  if (*rest != 'Z' && *rest != '\0') {
    return std::nullopt;
  }
  const time_t seconds = timegm(&tm);
  return TimePoint(std::chrono::seconds(seconds)) + std::chrono::microseconds(micros);
}

std::vector<Command> first_commands(const QueueSpec& spec, TimePoint now) {
  switch (spec.layout) {
  case Layout::graflow:
  case Layout::list:
  case Layout::zset:
    return detail::plain_commands(spec);
  case Layout::stream:
    return spec.group.empty() ? detail::plain_commands(spec) : detail::group_commands(spec);
  case Layout::celery:
    return detail::celery_commands(spec);
  case Layout::rq:
    return detail::rq_commands(spec, now);
  case Layout::sidekiq:
    return detail::sidekiq_commands(spec);
  case Layout::bullmq:
    return detail::bullmq_commands(spec);
  }
  return {};
}

Stage interpret_first(const QueueSpec& spec, const std::vector<Reply>& replies, TimePoint now, ReadMemo* memo) {
  switch (spec.layout) {
  case Layout::graflow:
  case Layout::list:
  case Layout::zset:
    return detail::plain_interpret(spec, replies, now);
  case Layout::stream:
    return spec.group.empty() ? detail::plain_interpret(spec, replies, now)
                              : detail::group_interpret(spec, replies, now);
  case Layout::celery:
    return detail::celery_interpret(spec, replies);
  case Layout::rq:
    return detail::rq_interpret(spec, replies, now);
  case Layout::sidekiq:
    return detail::sidekiq_interpret(spec, replies, now, memo);
  case Layout::bullmq:
    return detail::bullmq_interpret(spec, replies, now);
  }
  return {};
}

namespace {

// Hashes every argument: an ordered map spent its time comparing the long common prefixes
// of hundreds of commands.
// Hash and equality of the commands a pointer points to: the batch is indexed without a copy.
struct CommandHash {
  std::size_t operator()(const Command* command) const {
    std::size_t h = command->size();
    for (const auto& argument : *command) {
      h = h * 1'000'003 ^ std::hash<std::string>{}(argument);
    }
    return h;
  }
};
struct CommandEqual {
  bool operator()(const Command* a, const Command* b) const { return *a == *b; }
};

// Sends `commands` in one pipeline with each distinct command once, and gives every position
// its reply. Queues that share a key send the same read (Sidekiq's process set and work
// hashes, Celery's phase-2 reads of the unacked hash, once per queue of the layout); one
// reading then costs Redis and the exporter that read once, whatever the number of queues.
std::vector<Reply> pipeline_distinct(CommandRunner& runner, std::vector<Command> commands, const char* what) {
  std::unordered_map<const Command*, std::size_t, CommandHash, CommandEqual> index;
  index.reserve(commands.size());
  std::vector<std::size_t> slot; // per command, its distinct command's position
  std::vector<std::size_t> first; // per distinct command, its first position
  slot.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    const auto [it, added] = index.try_emplace(&commands[i], first.size());
    if (added) {
      first.push_back(i);
    }
    slot.push_back(it->second);
  }
  if (first.size() == commands.size()) {
    return runner.pipeline(commands, what);
  }
  index.clear(); // it points into `commands`, moved from below
  std::vector<Command> distinct;
  distinct.reserve(first.size());
  for (const std::size_t i : first) {
    distinct.push_back(std::move(commands[i]));
  }
  auto replies = runner.pipeline(distinct, what);
  // Each reply is moved to its last position and copied to the ones before.
  std::vector<std::size_t> last(first.size());
  for (std::size_t i = 0; i < slot.size(); ++i) {
    last[slot[i]] = i;
  }
  std::vector<Reply> out;
  out.reserve(slot.size());
  for (std::size_t i = 0; i < slot.size(); ++i) {
    Reply& reply = replies.at(slot[i]);
    out.push_back(last[slot[i]] == i ? std::move(reply) : reply);
  }
  return out;
}

// Runs `interpret` (the pure layer, which knows keys but not servers) and names the server
// in what it throws. The runner's own I/O errors name the endpoint already.
template <class Interpret>
void naming_server(CommandRunner& runner, Interpret&& interpret) {
  try {
    interpret();
  } catch (const Error& e) {
    throw Error(e.code(), fmt::format("Redis at {}: {}", runner.endpoint(), e.what()));
  }
}

// A queue whose key turned out to have the wrong type, waiting for the TYPE read that says
// what the key holds.
struct Wrong {
  std::size_t queue;
  std::string key;
  std::string expected;
};

// One batch of TYPE reads for every wrong-type key (only on this error path), then each such
// queue marked unreadable with a message that names the key, both types and a hint.
void name_wrong_types(CommandRunner& runner, const std::vector<QueueSpec>& specs, const std::vector<Wrong>& wrong,
                      std::vector<Stage>& stages) {
  if (wrong.empty()) {
    return;
  }
  std::vector<Command> types;
  types.reserve(wrong.size());
  for (const auto& w : wrong) {
    types.push_back({"TYPE", w.key});
  }
  const auto replies = runner.pipeline(types, "reading the types of wrong-type keys");
  for (std::size_t i = 0; i < wrong.size(); ++i) {
    std::string actual;
    if (i < replies.size() && !replies[i].unavailable && replies[i].is_string()) {
      actual = printable(replies[i].str);
    }
    set_wrong_type(stages[wrong[i].queue].reading, specs[wrong[i].queue], runner.endpoint(), wrong[i].key,
                   wrong[i].expected, actual);
    stages[wrong[i].queue].followup.clear();
  }
}

// Cluster mode: a command whose node could not be asked gets an unavailable reply
// (redis::Reply::unavailable). The queue it belongs to is then unknown, not the whole read.
const Reply* first_unavailable(const std::vector<Reply>& replies) {
  for (const auto& r : replies) {
    if (r.unavailable) {
      return &r;
    }
  }
  return nullptr;
}

bool reads_in_flight(Layout layout) {
  return layout == Layout::celery || layout == Layout::rq || layout == Layout::sidekiq || layout == Layout::bullmq;
}

Stage unknown_stage(const QueueSpec& spec, const std::string& why) {
  Stage stage{detail::base_reading(spec), {}, {}};
  stage.reading.waiting_unknown = why;
  if (reads_in_flight(spec.layout)) {
    stage.reading.in_flight_unknown = why;
  }
  return stage;
}

} // namespace

std::vector<Reading> read_queues(CommandRunner& runner, const std::vector<QueueSpec>& specs, TimePoint now,
                                 ReadMemo* memo) {
  if (memo != nullptr) {
    memo->head_times_now.clear(); // whatever a reading that threw left there
  }
  std::vector<Command> batch;
  std::vector<std::pair<std::size_t, std::size_t>> spans; // [begin, end) per queue
  // Celery's unacked hash is read by delivery tag once per global_keyprefix (at this
  // position in the batch) for all the queues under it: single-key reads, so a Cluster
  // routes them too.
  std::map<std::string, std::size_t> unacked_at;
  for (const auto& spec : specs) {
    const bool celery = spec.layout == Layout::celery;
    auto commands = celery ? detail::celery_list_commands(spec) : first_commands(spec, now);
    spans.emplace_back(batch.size(), batch.size() + commands.size());
    for (auto& c : commands) {
      batch.push_back(std::move(c));
    }
    if (celery && unacked_at.try_emplace(spec.global_keyprefix, batch.size()).second) {
      for (auto& c : detail::celery_unacked_reads(spec.global_keyprefix)) {
        batch.push_back(std::move(c));
      }
    }
  }
  auto replies = pipeline_distinct(runner, std::move(batch), "reading queues");
  std::map<std::string, std::shared_ptr<detail::UnackedCount>> unacked;
  for (const auto& [prefix, at] : unacked_at) {
    auto* tags = memo != nullptr ? &memo->unacked[prefix] : nullptr;
    unacked.emplace(prefix, std::make_shared<detail::UnackedCount>(detail::count_unacked(
                                prefix + "unacked", replies.at(at), replies.at(at + 1), tags)));
  }
  if (memo != nullptr) {
    std::erase_if(memo->unacked, [&](const auto& kept) { return unacked.count(kept.first) == 0; });
  }
  std::vector<Stage> stages;
  stages.reserve(specs.size());
  std::vector<Wrong> wrong;
  naming_server(runner, [&] {
    for (std::size_t i = 0; i < specs.size(); ++i) {
      // Each queue's replies are its own (the shared unacked reads are outside every span).
      std::vector<Reply> mine(std::make_move_iterator(replies.begin() + static_cast<std::ptrdiff_t>(spans[i].first)),
                              std::make_move_iterator(replies.begin() + static_cast<std::ptrdiff_t>(spans[i].second)));
      const bool celery = specs[i].layout == Layout::celery;
      const auto shared = celery ? unacked.at(specs[i].global_keyprefix) : nullptr;
      const Reply* gone = first_unavailable(mine);
      if (gone == nullptr && shared != nullptr) {
        gone = shared->length->unavailable ? shared->length : shared->tags->unavailable ? shared->tags : nullptr;
      }
      if (gone != nullptr) {
        stages.push_back(unknown_stage(specs[i], gone->str));
        continue;
      }
      try {
        if (shared != nullptr) {
          stages.push_back(detail::celery_interpret_shared(specs[i], mine, shared));
        } else {
          stages.push_back(interpret_first(specs[i], mine, now, memo));
        }
      } catch (const WrongTypeError& e) {
        // Only this queue is unreadable; the TYPE read below says what the key holds.
        stages.push_back(unknown_stage(specs[i], e.what()));
        wrong.push_back({i, e.key, e.expected});
      }
    }
  });
  std::vector<Command> second;
  std::vector<std::pair<std::size_t, std::size_t>> spans2;
  for (auto& stage : stages) {
    spans2.emplace_back(second.size(), second.size() + stage.followup.size());
    for (auto& c : stage.followup) {
      second.push_back(std::move(c)); // followup keeps its size: empty() still tells
    }
  }
  if (!second.empty()) {
    auto replies2 = pipeline_distinct(runner, std::move(second), "reading queues' head jobs and workers");
    naming_server(runner, [&] {
      for (std::size_t i = 0; i < stages.size(); ++i) {
        if (stages[i].followup.empty()) {
          continue;
        }
        std::vector<Reply> mine(
            std::make_move_iterator(replies2.begin() + static_cast<std::ptrdiff_t>(spans2[i].first)),
            std::make_move_iterator(replies2.begin() + static_cast<std::ptrdiff_t>(spans2[i].second)));
        if (const Reply* gone = first_unavailable(mine)) {
          // What phase 2 would add (an age, Sidekiq's busy workers) stays unknown.
          Reading& r = stages[i].reading;
          if (!r.in_flight && r.in_flight_unknown.empty() && reads_in_flight(r.layout)) {
            r.in_flight_unknown = gone->str;
          }
          continue;
        }
        try {
          stages[i].finish(stages[i].reading, mine);
        } catch (const WrongTypeError& e) {
          wrong.push_back({i, e.key, e.expected}); // a head job or a worker hash: the queue is unreadable too
        }
      }
    });
  }
  name_wrong_types(runner, specs, wrong, stages);
  if (memo != nullptr) {
    memo->head_times.swap(memo->head_times_now); // the jobs at a head now are the ones kept
    memo->head_times_now.clear();
  }
  std::vector<Reading> out;
  out.reserve(stages.size());
  for (auto& stage : stages) {
    out.push_back(std::move(stage.reading));
  }
  return out;
}

} // namespace graflow::queues
