#include "graflow/core/duration.hpp"
#include "graflow/core/error.hpp"

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using graflow::format_duration;
using graflow::parse_duration;

TEST_CASE("durations parse like kubectl's") {
  CHECK(parse_duration("2s", "x") == 2000ms);
  CHECK(parse_duration("500ms", "x") == 500ms);
  CHECK(parse_duration("1m30s", "x") == 90s);
  CHECK(parse_duration("1.5s", "x") == 1500ms);
  CHECK(parse_duration("30m", "x") == 30min);
  CHECK(parse_duration("1h", "x") == 1h);
  CHECK_THROWS_WITH_AS(parse_duration("30", "--hold"),
                       "invalid --hold \"30\": expected a duration such as 500ms, 2s, 5m or 1h30m", graflow::Error);
  CHECK_THROWS_AS(parse_duration("", "x"), graflow::Error);
  CHECK_THROWS_AS(parse_duration("5d", "x"), graflow::Error);
  CHECK_THROWS_AS(parse_duration("s", "x"), graflow::Error);
}

TEST_CASE("durations format briefly") {
  CHECK(format_duration(2000ms) == "2s");
  CHECK(format_duration(250ms) == "250ms");
  CHECK(format_duration(90s) == "1m30s");
  CHECK(format_duration(1500ms) == "1.5s");
  CHECK(format_duration(3600s) == "1h");
}
