// The graflow, list, zset and stream layouts: named keys, summed; and a stream read through
// a consumer group (XINFO GROUPS, Redis 7's lag).
#include "graflow/queues/detail.hpp"

#include <fmt/format.h>

namespace graflow::queues::detail {

Reading base_reading(const QueueSpec& spec) {
  Reading r;
  r.id = spec.id;
  r.layout = spec.layout;
  r.key = main_key(spec);
  return r;
}

namespace {

std::vector<std::string> plain_keys(const QueueSpec& spec) {
  if (spec.layout == Layout::graflow) {
    return {spec.name + ":queue"};
  }
  return spec.keys;
}

const char* type_word(Layout layout) {
  switch (layout) {
  case Layout::zset:
    return "sorted set";
  case Layout::stream:
    return "stream";
  default:
    return "list";
  }
}

// The field `name` of an XINFO GROUPS entry (a flat field/value array in RESP2).
const Reply* field(const Reply& group, std::string_view name) {
  for (std::size_t i = 0; i + 1 < group.elements.size(); i += 2) {
    if (group.elements[i].is_string() && group.elements[i].str == name) {
      return &group.elements[i + 1];
    }
  }
  return nullptr;
}

} // namespace

std::vector<Command> plain_commands(const QueueSpec& spec) {
  std::vector<Command> out;
  for (const auto& key : plain_keys(spec)) {
    switch (spec.layout) {
    case Layout::zset:
      out.push_back({"ZCARD", key});
      break;
    case Layout::stream:
      out.push_back({"XLEN", key});
      out.push_back({"XRANGE", key, "-", "+", "COUNT", "1"}); // the first entry: its ID is its time
      break;
    default:
      out.push_back({"LLEN", key});
    }
  }
  return out;
}

Stage plain_interpret(const QueueSpec& spec, const std::vector<Reply>& replies, TimePoint now) {
  Stage stage{base_reading(spec), {}, {}};
  const auto keys = plain_keys(spec);
  const bool stream = spec.layout == Layout::stream;
  long long total = 0;
  std::optional<long long> oldest_ms;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const std::size_t at = stream ? 2 * i : i;
    total += integer(spec, keys[i], type_word(spec.layout), replies.at(at));
    if (stream) {
      const Reply& first = replies.at(at + 1);
      check(spec, keys[i], "stream", first);
      if (first.is_array() && !first.elements.empty() && first.elements[0].is_array() &&
          !first.elements[0].elements.empty()) {
        if (auto ms = stream_id_ms(first.elements[0].elements[0].str)) {
          oldest_ms = oldest_ms ? std::min(*oldest_ms, *ms) : *ms;
        }
      }
    }
  }
  stage.reading.waiting = total;
  if (stream) {
    if (oldest_ms) {
      stage.reading.oldest_age_seconds = age_seconds(now, from_ms(*oldest_ms));
    } else if (total == 0) {
      stage.reading.oldest_age_seconds = 0.0;
    }
  }
  return stage;
}

std::vector<Command> group_commands(const QueueSpec& spec) {
  std::vector<Command> out;
  for (const auto& key : spec.keys) {
    out.push_back({"XINFO", "GROUPS", key});
  }
  return out;
}

Stage group_interpret(const QueueSpec& spec, const std::vector<Reply>& replies, TimePoint now) {
  Stage stage{base_reading(spec), {}, {}};
  long long lag_total = 0;
  long long pending_total = 0;
  bool lag_known = true;
  bool pending_known = true;
  bool hard_unknown = false; // a group or stream missing, or no lag at all: phase 2 cannot help
  std::string why;
  std::vector<bool> lag_null; // per phase-2 key: its lag was null
  std::vector<std::string> next_keys; // streams with undelivered entries, for the oldest age
  for (std::size_t i = 0; i < spec.keys.size(); ++i) {
    const auto& key = spec.keys[i];
    const Reply& reply = replies.at(i);
    if (reply.is_error() && reply.str.find("no such key") != std::string::npos) {
      lag_known = pending_known = false;
      hard_unknown = true;
      why = fmt::format("stream {} does not exist, so consumer group {} cannot either", key, spec.group);
      continue;
    }
    check(spec, key, "stream", reply);
    const Reply* group = nullptr;
    for (const auto& g : reply.elements) {
      const Reply* name = field(g, "name");
      if (name != nullptr && name->str == spec.group) {
        group = &g;
        break;
      }
    }
    if (group == nullptr) {
      lag_known = pending_known = false;
      hard_unknown = true;
      why = fmt::format("consumer group {} does not exist on stream {} (XGROUP CREATE it, or fix group=)", spec.group,
                        key);
      continue;
    }
    const Reply* pending = field(*group, "pending");
    if (pending != nullptr && pending->is_integer()) {
      pending_total += pending->integer;
    } else {
      pending_known = false;
    }
    const Reply* lag = field(*group, "lag");
    if (lag == nullptr) {
      lag_known = false;
      hard_unknown = true;
      why = fmt::format("Redis reports no lag for group {} on stream {} (XINFO GROUPS has lag from Redis 7.0)",
                        spec.group, key);
    } else if (!lag->is_integer()) {
      lag_known = false;
      why = fmt::format("Redis cannot compute the lag of group {} on stream {}: entries were deleted (XDEL) or the "
                        "group's ID was set (XGROUP SETID) since it last knew; it is known again once the group "
                        "has read past them",
                        spec.group, key);
    } else {
      lag_total += lag->integer;
    }
    const Reply* last = field(*group, "last-delivered-id");
    // The next undelivered entry's ID gives the oldest age; skip streams with nothing undelivered.
    if (last != nullptr && last->is_string() && !(lag != nullptr && lag->is_integer() && lag->integer == 0)) {
      stage.followup.push_back({"XRANGE", key, "(" + last->str, "+", "COUNT", "1"});
      next_keys.push_back(key);
      lag_null.push_back(lag != nullptr && !lag->is_integer());
    }
  }
  if (lag_known) {
    stage.reading.waiting = lag_total;
  } else {
    stage.reading.waiting_unknown = why;
  }
  if (pending_known) {
    stage.reading.in_flight = pending_total;
  } else {
    stage.reading.in_flight_unknown = why;
  }
  if (stage.followup.empty()) {
    if (lag_known && lag_total == 0) {
      stage.reading.oldest_age_seconds = 0.0;
    }
    return stage;
  }
  stage.finish = [spec, now, next_keys, lag_null, lag_known, hard_unknown,
                  lag_total](Reading& reading, const std::vector<Reply>& replies2) {
    std::optional<long long> oldest_ms;
    bool null_lags_resolved = true;
    for (std::size_t i = 0; i < replies2.size(); ++i) {
      const Reply& r = replies2[i];
      check(spec, next_keys[i], "stream", r);
      if (r.is_array() && !r.elements.empty() && r.elements[0].is_array() && !r.elements[0].elements.empty()) {
        if (auto ms = stream_id_ms(r.elements[0].elements[0].str)) {
          oldest_ms = oldest_ms ? std::min(*oldest_ms, *ms) : *ms;
        }
        if (lag_null[i]) {
          null_lags_resolved = false; // entries after the last delivered one: how many is unknown
        }
      }
    }
    if (!lag_known && !hard_unknown && null_lags_resolved) {
      // Every stream whose lag was null has nothing after the group's last delivered ID:
      // nothing of it is waiting, which is certain without the lag.
      reading.waiting = lag_total;
      reading.waiting_unknown.clear();
    }
    if (oldest_ms) {
      reading.oldest_age_seconds = age_seconds(now, from_ms(*oldest_ms));
    } else if (reading.waiting) {
      // Nothing after the last delivered ID: nothing is waiting.
      reading.oldest_age_seconds = 0.0;
    }
  };
  return stage;
}

} // namespace graflow::queues::detail
