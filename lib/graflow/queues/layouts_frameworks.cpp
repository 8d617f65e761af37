// The task frameworks' own Redis schemas (versions and sources in README "Queue layouts"):
// Celery (kombu's Redis transport), RQ, Sidekiq and BullMQ.
#include "graflow/queues/detail.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace graflow::queues::detail {
namespace {

// kombu.transport.redis.Channel.sep: a priority step's list is NAME + sep + step.
constexpr std::string_view kombu_sep = "\x06\x16";

std::vector<std::string> celery_keys(const QueueSpec& spec) {
  std::vector<std::string> keys;
  for (const int step : spec.steps) {
    // kombu's _q_for_pri: step 0 is the bare queue name.
    keys.push_back(step == 0 ? spec.global_keyprefix + spec.name
                             : fmt::format("{}{}{}{}", spec.global_keyprefix, spec.name, kombu_sep, step));
  }
  return keys;
}

// Counts the unacked hash's deliveries by routing key, in Redis: a flat array [key, count,
// ...], or the hash's length when above the limit. Every Celery queue under one
// global_keyprefix sends this very command, which read_queues() sends once per reading, so
// the shared hash is decoded once, not once per queue, and only the counts travel. kombu's
// QoS.append stores each delivery as JSON [message, exchange, routing_key]; an entry of any
// other shape is not counted. Keys in KEYS, so it is cluster-safe.
constexpr const char* celery_unacked_script =
    "local n = redis.call('HLEN', KEYS[1]) "
    "if n > tonumber(ARGV[1]) then return n end "
    "local counts = {} "
    "for _, v in ipairs(redis.call('HVALS', KEYS[1])) do "
    "  local ok, d = pcall(cjson.decode, v) "
    "  if ok and type(d) == 'table' and #d == 3 and type(d[3]) == 'string' then "
    "    counts[d[3]] = (counts[d[3]] or 0) + 1 "
    "  end "
    "end "
    "local flat = {} "
    "for k, c in pairs(counts) do flat[#flat + 1] = k; flat[#flat + 1] = c end "
    "return flat";

// Decodes the unacked entries of the tags in ARGV (KEYS[1]: the hash) exactly as
// celery_unacked_script does: per tag its routing key, 0 when the entry is not counted, or
// false (nil) when the tag is gone (acknowledged since it was listed).
constexpr const char* celery_tags_script =
    "local out = {} "
    "for i, tag in ipairs(ARGV) do "
    "  local v = redis.call('HGET', KEYS[1], tag) "
    "  if not v then out[i] = false else "
    "    local ok, d = pcall(cjson.decode, v) "
    "    if ok and type(d) == 'table' and #d == 3 and type(d[3]) == 'string' then out[i] = d[3] else out[i] = 0 end "
    "  end "
    "end "
    "return out";

// Counts a Sidekiq process's busy threads by queue, in Redis: a flat array [queue, count,
// ...] over the work hash (thread id -> JSON {queue, payload, run_at}). The same command for
// every Sidekiq queue, so read_queues() sends it once per process per reading.
constexpr const char* sidekiq_busy_script =
    "local counts = {} "
    "for _, v in ipairs(redis.call('HVALS', KEYS[1])) do "
    "  local ok, d = pcall(cjson.decode, v) "
    "  if ok and type(d) == 'table' and type(d.queue) == 'string' then "
    "    counts[d.queue] = (counts[d.queue] or 0) + 1 "
    "  end "
    "end "
    "local flat = {} "
    "for k, c in pairs(counts) do flat[#flat + 1] = k; flat[#flat + 1] = c end "
    "return flat";

// The top-level "enqueued_at" of a Sidekiq job when it is a number: what json::parse() and a
// lookup in the object it builds give (the last of duplicate keys wins there too), read with
// the same parser's SAX events so that no job is built.
std::optional<double> enqueued_at(const std::string& job) {
  using json = nlohmann::json;
  struct Sax final : nlohmann::json_sax<json> {
    int depth = 0;
    bool top_is_object = false;
    bool at_key = false; // the next value is that of a top-level "enqueued_at"
    std::optional<double> value;
    bool scalar(std::optional<double> v) {
      if (depth == 1 && at_key) {
        value = v;
        at_key = false;
      }
      return true;
    }
    bool null() override { return scalar(std::nullopt); }
    bool boolean(bool /*unused*/) override { return scalar(std::nullopt); }
    bool number_integer(number_integer_t v) override { return scalar(static_cast<double>(v)); }
    bool number_unsigned(number_unsigned_t v) override { return scalar(static_cast<double>(v)); }
    bool number_float(number_float_t v, const string_t& /*unused*/) override { return scalar(v); }
    bool string(string_t& /*unused*/) override { return scalar(std::nullopt); }
    bool binary(binary_t& /*unused*/) override { return scalar(std::nullopt); }
    bool start_object(std::size_t /*unused*/) override {
      top_is_object = top_is_object || depth == 0;
      scalar(std::nullopt);
      ++depth;
      return true;
    }
    bool key(string_t& k) override {
      if (depth == 1) {
        at_key = k == "enqueued_at";
      }
      return true;
    }
    bool end_object() override {
      --depth;
      return true;
    }
    bool start_array(std::size_t /*unused*/) override {
      scalar(std::nullopt);
      ++depth;
      return true;
    }
    bool end_array() override {
      --depth;
      return true;
    }
    bool parse_error(std::size_t /*unused*/, const std::string& /*unused*/,
                     const nlohmann::detail::exception& /*unused*/) override {
      return false;
    }
  } sax;
  if (!json::sax_parse(job, &sax) || !sax.top_is_object) {
    return std::nullopt;
  }
  return sax.value;
}

// enqueued_at(job), remembered in `memo` (if any) from one reading to the next.
std::optional<double> enqueued_at(const std::string& job, ReadMemo* memo) {
  if (memo == nullptr) {
    return enqueued_at(job);
  }
  if (const auto now = memo->head_times_now.find(job); now != memo->head_times_now.end()) {
    return now->second;
  }
  auto known = memo->head_times.find(job);
  const auto time = known != memo->head_times.end() ? known->second : enqueued_at(job);
  memo->head_times_now.emplace(job, time);
  return time;
}

// The count for `name` in a flat [name, count, ...] reply of the scripts above (0 if absent).
long long count_for(const Reply& flat, const std::string& name) {
  for (std::size_t i = 0; i + 1 < flat.elements.size(); i += 2) {
    if (flat.elements[i].str == name) {
      return flat.elements[i + 1].integer;
    }
  }
  return 0;
}

} // namespace

// --- Celery -------------------------------------------------------------------------------

std::vector<Command> celery_commands(const QueueSpec& spec) {
  std::vector<Command> out = celery_list_commands(spec);
  out.push_back({"EVAL", celery_unacked_script, "1", spec.global_keyprefix + "unacked",
                 std::to_string(celery_unacked_limit)});
  return out;
}

namespace {

// A Celery queue's Stage with waiting set: the sum of its step lists (the first replies).
Stage celery_waiting(const QueueSpec& spec, const std::vector<std::string>& keys, const std::vector<Reply>& replies) {
  Stage stage{base_reading(spec), {}, {}};
  long long waiting = 0;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    waiting += integer(spec, keys[i], "list", replies.at(i));
  }
  stage.reading.waiting = waiting;
  return stage;
}

} // namespace

Stage celery_interpret(const QueueSpec& spec, const std::vector<Reply>& replies) {
  const auto keys = celery_keys(spec);
  Stage stage = celery_waiting(spec, keys, replies);
  const std::string unacked = spec.global_keyprefix + "unacked";
  const Reply& values = replies.at(keys.size());
  check(spec, unacked, "hash", values);
  if (values.is_integer()) {
    stage.reading.in_flight_unknown =
        fmt::format("the unacked hash {} has {} entries, more than the {} graflowctl reads", unacked, values.integer,
                    celery_unacked_limit);
    return stage;
  }
  // Celery declares each queue with its own name as routing key, so that names the queue.
  stage.reading.in_flight = count_for(values, spec.name);
  return stage;
}

std::vector<Command> celery_list_commands(const QueueSpec& spec) {
  std::vector<Command> out;
  for (const auto& key : celery_keys(spec)) {
    out.push_back({"LLEN", key});
  }
  return out;
}

std::vector<Command> celery_unacked_reads(const std::string& global_keyprefix) {
  const std::string key = global_keyprefix + "unacked";
  return {{"HLEN", key}, {"HRANDFIELD", key, std::to_string(celery_unacked_tag_limit + 1)}};
}

UnackedCount count_unacked(const std::string& key, const Reply& length, const Reply& tags, ReadMemo::Tags* memo) {
  UnackedCount c;
  c.key = key;
  c.length = &length;
  c.tags = &tags;
  c.memo = memo;
  if (length.is_error() || tags.is_error() || !length.is_integer()) {
    return c; // celery_interpret_shared() says what went wrong, per queue
  }
  // HRANDFIELD with a count above the hash's size returns the whole hash; more than the
  // tag limit back means it is above it (it may have grown since HLEN).
  if (static_cast<long long>(tags.elements.size()) > celery_unacked_tag_limit) {
    c.over_tag_limit = true;
    return c;
  }
  ReadMemo::Tags now;
  for (const auto& tag : tags.elements) {
    if (memo != nullptr) {
      if (const auto known = memo->find(tag.str); known != memo->end()) {
        if (known->second) {
          ++c.by_routing_key[*known->second];
        }
        now.insert(memo->extract(known));
        continue;
      }
    }
    c.fresh.push_back(tag.str);
  }
  if (memo != nullptr) {
    *memo = std::move(now); // tags no longer listed are gone: acknowledged or restored
  }
  return c;
}

Stage celery_interpret_shared(const QueueSpec& spec, const std::vector<Reply>& lists,
                              const std::shared_ptr<UnackedCount>& unacked) {
  Stage stage = celery_waiting(spec, celery_keys(spec), lists);
  const std::string& key = unacked->key;
  (void)integer(spec, key, "hash", *unacked->length);
  const Reply& tags = *unacked->tags;
  const bool refused = tags.is_error() && tags.str.find("WRONGTYPE") == std::string::npos;
  if (refused || unacked->over_tag_limit) {
    // Too many entries, or HRANDFIELD refused (it is Redis 6.2's, and an ACL may refuse
    // it): count every entry in Redis.
    stage.followup.push_back(celery_commands(spec).back());
    stage.finish = [spec, lists](Reading& reading, const std::vector<Reply>& r) {
      std::vector<Reply> replies = lists;
      replies.push_back(r.at(0));
      const Stage counted = celery_interpret(spec, replies);
      reading.in_flight = counted.reading.in_flight;
      reading.in_flight_unknown = counted.reading.in_flight_unknown;
    };
    return stage;
  }
  check(spec, key, "hash", tags);
  // Celery declares each queue with its own name as routing key, so that names the queue.
  const auto found = unacked->by_routing_key.find(spec.name);
  const long long counted = found == unacked->by_routing_key.end() ? 0 : found->second;
  if (unacked->fresh.empty()) {
    stage.reading.in_flight = counted;
    return stage;
  }
  // The same command for every queue under the prefix: sent once (pipeline_distinct).
  Command decode{"EVAL", celery_tags_script, "1", key};
  decode.insert(decode.end(), unacked->fresh.begin(), unacked->fresh.end());
  stage.followup.push_back(std::move(decode));
  stage.finish = [spec, counted, unacked](Reading& reading, const std::vector<Reply>& r) {
    const Reply& keys = r.at(0);
    check(spec, unacked->key, "hash", keys);
    if (!keys.is_array() || keys.elements.size() != unacked->fresh.size()) {
      throw failure(fmt::format("reading the unacked hash {}: {} routing keys for {} delivery tags", unacked->key,
                              keys.elements.size(), unacked->fresh.size()));
    }
    const bool learn = unacked->memo != nullptr && !unacked->learnt;
    unacked->learnt = true;
    long long more = 0;
    for (std::size_t i = 0; i < keys.elements.size(); ++i) {
      const Reply& routing_key = keys.elements[i];
      more += routing_key.is_string() && routing_key.str == spec.name ? 1 : 0;
      if (learn && !routing_key.is_nil()) { // a gone tag is not listed again
        unacked->memo->emplace(unacked->fresh[i], routing_key.is_string() ? std::optional<std::string>(routing_key.str)
                                                                          : std::nullopt);
      }
    }
    reading.in_flight = counted + more;
  };
  return stage;
}

// --- RQ -------------------------------------------------------------------------------------

std::vector<Command> rq_commands(const QueueSpec& spec, TimePoint now) {
  const auto key = "rq:queue:" + spec.name;
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  return {
      {"LLEN", key},
      // StartedJobRegistry: score = expiry; RQ drops entries with score <= now (cleanup()).
      {"ZCOUNT", "rq:wip:" + spec.name, fmt::format("({}", seconds), "+inf"},
      {"LINDEX", key, "0"}, // workers LPOP: the head is the next job
  };
}

Stage rq_interpret(const QueueSpec& spec, const std::vector<Reply>& replies, TimePoint now) {
  Stage stage{base_reading(spec), {}, {}};
  const auto key = "rq:queue:" + spec.name;
  stage.reading.waiting = integer(spec, key, "list", replies.at(0));
  stage.reading.in_flight = integer(spec, "rq:wip:" + spec.name, "sorted set", replies.at(1));
  const auto head = string_or_nil(spec, key, "list", replies.at(2));
  if (!head) {
    stage.reading.oldest_age_seconds = 0.0;
    return stage;
  }
  const auto job_key = "rq:job:" + *head;
  stage.followup.push_back({"HGET", job_key, "enqueued_at"});
  stage.finish = [spec, now, job_key](Reading& reading, const std::vector<Reply>& r) {
    if (auto text = string_or_nil(spec, job_key, "hash", r.at(0))) {
      if (auto then = parse_rq_time(*text)) {
        reading.oldest_age_seconds = age_seconds(now, *then);
      }
    }
  };
  return stage;
}

// --- Sidekiq ----------------------------------------------------------------------------------

std::vector<Command> sidekiq_commands(const QueueSpec& spec) {
  const auto key = "queue:" + spec.name;
  return {
      {"LLEN", key},
      {"LINDEX", key, "-1"}, // Sidekiq LPUSHes and BRPOPs: the oldest job is at -1
      {"SMEMBERS", "processes"},
  };
}

Stage sidekiq_interpret(const QueueSpec& spec, const std::vector<Reply>& replies, TimePoint now, ReadMemo* memo) {
  Stage stage{base_reading(spec), {}, {}};
  const auto key = "queue:" + spec.name;
  stage.reading.waiting = integer(spec, key, "list", replies.at(0));
  if (auto head = string_or_nil(spec, key, "list", replies.at(1))) {
    if (const auto then = enqueued_at(*head, memo)) {
      const double age = std::chrono::duration<double>(now.time_since_epoch()).count() - *then;
      stage.reading.oldest_age_seconds = age < 0 ? 0.0 : age;
    }
  } else {
    stage.reading.oldest_age_seconds = 0.0;
  }
  const Reply& procs = replies.at(2);
  check(spec, "processes", "set", procs);
  std::vector<std::string> identities;
  for (const auto& p : procs.elements) {
    identities.push_back(p.str);
  }
  if (identities.empty()) {
    stage.reading.in_flight = 0;
    return stage;
  }
  // Each live process (its hash expires 60 s after the last heartbeat) keeps a hash
  // "<identity>:workers": thread id -> JSON {queue, payload, run_at}, rewritten every 5 s.
  for (const auto& id : identities) {
    stage.followup.push_back({"EXISTS", id});
    stage.followup.push_back({"EVAL", sidekiq_busy_script, "1", id + ":workers"});
  }
  stage.finish = [spec, identities](Reading& reading, const std::vector<Reply>& r) {
    long long busy = 0;
    for (std::size_t i = 0; i < identities.size(); ++i) {
      const long long alive = integer(spec, identities[i], "hash", r.at(2 * i));
      const Reply& works = r.at(2 * i + 1);
      check(spec, identities[i] + ":workers", "hash", works);
      if (alive == 0) {
        continue; // a crashed process not yet pruned from "processes", as Sidekiq's WorkSet skips
      }
      busy += count_for(works, spec.name);
    }
    reading.in_flight = busy;
  };
  return stage;
}

// --- BullMQ -----------------------------------------------------------------------------------

std::vector<Command> bullmq_commands(const QueueSpec& spec) {
  const auto base = spec.prefix + ":" + spec.name;
  return {
      {"LLEN", base + ":wait"},   {"LINDEX", base + ":wait", "-1"},   // LPUSH; workers take from -1
      {"ZCARD", base + ":prioritized"}, {"ZRANGE", base + ":prioritized", "0", "0"},
      {"LLEN", base + ":paused"}, {"LINDEX", base + ":paused", "-1"}, // before BullMQ 5.x's change
      {"LLEN", base + ":active"}, {"HGET", base + ":meta", "paused"},
  };
}

Stage bullmq_interpret(const QueueSpec& spec, const std::vector<Reply>& replies, TimePoint now) {
  Stage stage{base_reading(spec), {}, {}};
  const auto base = spec.prefix + ":" + spec.name;
  std::vector<std::string> heads;
  // A list's count and its oldest job; older versions kept a "0:<delay>" marker at the tail,
  // which getCounts does not count either.
  const auto list = [&](const std::string& key, const Reply& len, const Reply& tail) {
    long long n = integer(spec, key, "list", len);
    if (auto id = string_or_nil(spec, key, "list", tail)) {
      if (id->rfind("0:", 0) == 0) {
        n = n > 0 ? n - 1 : 0;
      } else {
        heads.push_back(*id);
      }
    }
    return n;
  };
  long long waiting = list(base + ":wait", replies.at(0), replies.at(1));
  waiting += integer(spec, base + ":prioritized", "sorted set", replies.at(2));
  check(spec, base + ":prioritized", "sorted set", replies.at(3));
  if (!replies.at(3).elements.empty()) {
    heads.push_back(replies.at(3).elements[0].str); // the next prioritized job
  }
  waiting += list(base + ":paused", replies.at(4), replies.at(5));
  stage.reading.waiting = waiting;
  stage.reading.in_flight = integer(spec, base + ":active", "list", replies.at(6));
  const auto paused = string_or_nil(spec, base + ":meta", "hash", replies.at(7));
  stage.reading.paused = paused.has_value() && *paused != "0";
  if (heads.empty()) {
    if (waiting == 0) {
      stage.reading.oldest_age_seconds = 0.0;
    }
    return stage;
  }
  std::vector<std::string> job_keys;
  for (const auto& id : heads) {
    job_keys.push_back(fmt::format("{}:{}", base, id));
    stage.followup.push_back({"HGET", job_keys.back(), "timestamp"}); // ms since the epoch
  }
  stage.finish = [spec, now, job_keys](Reading& reading, const std::vector<Reply>& r) {
    std::optional<long long> oldest;
    for (std::size_t i = 0; i < job_keys.size(); ++i) {
      if (auto text = string_or_nil(spec, job_keys[i], "hash", r.at(i))) {
        try {
          const long long ms = std::stoll(*text);
          oldest = oldest ? std::min(*oldest, ms) : ms;
        } catch (const std::exception&) {
          // not a timestamp: leave the age unknown
        }
      }
    }
    if (oldest) {
      reading.oldest_age_seconds = age_seconds(now, from_ms(*oldest));
    }
  };
  return stage;
}

} // namespace graflow::queues::detail
