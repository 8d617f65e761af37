#pragma once
// Reading one entry of kombu's unacked hash in the exporter, where that is certain to give
// what Redis's cjson.decode would (the in-Redis count in layouts_frameworks.cpp): decoding
// ~1 KiB messages with cjson in a Lua script was most of Redis's time per reading, while
// shipping the entries and scanning them here costs a fraction of that.
#include <string>
#include <string_view>

namespace graflow::queues {

struct UnackedEntry {
  enum class Kind {
    counted,     // a 3-element array whose third element is a string: routing_key
    not_counted, // valid JSON of another shape
    unsure,      // leave it to cjson in Redis (see read_unacked_entry)
  };
  Kind kind = Kind::unsure;
  std::string routing_key; // decoded, when counted
};

// kombu's QoS.append stores [message, exchange, routing_key] as JSON. Decides only texts
// that are strict JSON (RFC 8259 tokens, no NUL byte, nesting under 64), where Redis's
// cjson certainly accepts the text with the same structure; string escapes follow cjson's
// rules (\uXXXX to UTF-8, surrogate pairs, a lone surrogate rejected). Anything else
// (leniencies such as hex or NaN numbers that cjson may accept, a NUL where cjson stops
// reading) is unsure, never guessed.
UnackedEntry read_unacked_entry(std::string_view json);

} // namespace graflow::queues
