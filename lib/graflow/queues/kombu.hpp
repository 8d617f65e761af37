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
// that nlohmann's strict parser reads (RFC 8259, nesting up to 64), all of which Redis's
// cjson reads with the same structure and strings. Anything else (cjson's leniencies such as
// hex or NaN numbers, raw control bytes or invalid UTF-8 in a string, a lone surrogate, a
// NUL byte where cjson stops reading) is unsure, never guessed.
UnackedEntry read_unacked_entry(std::string_view json);

} // namespace graflow::queues
