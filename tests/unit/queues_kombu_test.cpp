// read_unacked_entry: kombu's unacked entries read in the exporter (nlohmann's strict parser)
// exactly as Redis's cjson reads them, or left to cjson ("unsure") when that is not certain.
#include "graflow/queues/kombu.hpp"

#include <doctest/doctest.h>
#include <vector>

using graflow::queues::read_unacked_entry;
using Kind = graflow::queues::UnackedEntry::Kind;

namespace {
Kind kind(std::string_view json) { return read_unacked_entry(json).kind; }
std::string key(std::string_view json) {
  const auto e = read_unacked_entry(json);
  REQUIRE(e.kind == Kind::counted);
  return e.routing_key;
}
} // namespace

TEST_CASE("kombu's own entries: [message, exchange, routing_key], as Python's json and cjson write them") {
  // Python's json.dumps (kombu): ", " and ": " separators, non-ASCII as \u escapes.
  CHECK(key(R"([{"body": "W1s0Ml0=", "headers": {"task": "t", "eta": null, "retries": 0, "timelimit": [null, null],)"
            R"( "ignore_result": false, "argsrepr": "['caf\u00e9', \"x\"]"}, "properties": {"priority": 0,)"
            R"( "delivery_info": {"exchange": "", "routing_key": "emails"}}}, "", "emails"])") == "emails");
  // cjson.encode (the benchmark's fill): no spaces, "/" escaped.
  CHECK(key(R"([{"content-type":"application\/json","n":-1.5e+3},"","c17"])") == "c17");
  CHECK(key(" [ {} , \"\" , \"q\" ] \n") == "q");
  // The routing key decoded as cjson decodes it.
  CHECK(key(R"([{}, "", "a\"b\\c\/d\n\t"])") == "a\"b\\c/d\n\t");
  CHECK(key(R"([{}, "", "caf\u00e9 \u20ac \ud83d\ude00"])") == "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  CHECK(key(R"([1, true, "x"])") == "x"); // any first two elements, as the Lua count
}

TEST_CASE("valid JSON of another shape is certainly not counted") {
  CHECK(kind(R"({"a": 1})") == Kind::not_counted);
  CHECK(kind("[1, 2, 3]") == Kind::not_counted);
  CHECK(kind(R"([{}, "", "emails", 4])") == Kind::not_counted);
  CHECK(kind(R"([{}, "emails"])") == Kind::not_counted);
  CHECK(kind("[]") == Kind::not_counted);
  CHECK(kind(R"("emails")") == Kind::not_counted);
  CHECK(kind("null") == Kind::not_counted);
  CHECK(kind(R"([{}, "", ["emails"]])") == Kind::not_counted);
}

TEST_CASE("anything cjson may read otherwise than strict JSON says is left to cjson") {
  const std::vector<std::string_view> texts{"not json", "", "[{}, \"\", \"q\"", R"([{}, "", "q"] x)", R"([{}, "", "q"],)", R"([{} "", "q"])",
        "[0x1F, \"\", \"q\"]",     // hex: cjson's lenient numbers
        "[01, \"\", \"q\"]",       // a leading zero
        "[NaN, \"\", \"q\"]", "[inf, \"\", \"q\"]", "[+1, \"\", \"q\"]", "[1., \"\", \"q\"]", "[.5, \"\", \"q\"]",
        "[1e, \"\", \"q\"]", "[tru, \"\", \"q\"]", R"([{}, "", "a\x"])", R"([{}, "", "\u12"])",
        R"([{}, "", "\udc00"])",    // a lone low surrogate: cjson rejects it
        R"([{}, "", "\ud83d"])",    // a high surrogate alone
        R"([{}, "", "\ud83d\u0041"])", R"([{1: 2}, "", "q"])", "[{}, \"\", \"q\"]\v",
        "[{}, \"\", \"raw\x01\xff\"]", // raw bytes: cjson keeps them, strict JSON does not
        // cjson stops reading at a NUL byte: what it sees is not what is stored
        std::string_view("[{}, \"\", \"q\"]\0junk", 18), std::string_view("[{}, \"\", \"q\0\"]", 14)};
  for (const auto text : texts) {
    CAPTURE(text);
    CHECK(kind(text) == Kind::unsure);
  }
  std::string deep(100, '[');
  deep += std::string(100, ']');
  CHECK(kind(deep) == Kind::unsure); // deeper than graflowctl reads
}
