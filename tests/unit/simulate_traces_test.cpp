// Traces and load generators of `simulate` (DESIGN.md §9).
#include "graflow/core/error.hpp"
#include "graflow/simulate/load.hpp"
#include "graflow/simulate/traces.hpp"
#include "harness.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <fstream>
#include <unistd.h>

using namespace graflow::simulate;

namespace {

// The usage Error's message for a bad trace.
std::string trace_error(const std::string& text, TraceKind kind) {
  try {
    parse_trace(text, kind, "t.csv");
  } catch (const graflow::Error& e) {
    CHECK(e.code() == graflow::Exit::usage);
    return e.what();
  }
  FAIL("no error for: " << text);
  return "";
}

std::string load_error(const std::string& spec) {
  try {
    parse_load(spec);
  } catch (const graflow::Error& e) {
    CHECK(e.code() == graflow::Exit::usage);
    return e.what();
  }
  FAIL("no error for: " << spec);
  return "";
}

std::int64_t total(const Trace& t) {
  std::int64_t n = 0;
  for (const auto& p : t.points) {
    n += p.value;
  }
  return n;
}

} // namespace

TEST_CASE("simulate traces: header optional, fractions, shift to t = 0") {
  const auto a = parse_trace("seconds,depth\n100.5,3\n101,4\r\n\n103.25 , 0\n", TraceKind::depth, "a.csv");
  REQUIRE(a.points.size() == 3);
  CHECK(a.points[0].t_ms == 0);
  CHECK(a.points[0].value == 3);
  CHECK(a.points[1].t_ms == 500);
  CHECK(a.points[2].t_ms == 2750);
  CHECK(a.end_ms() == 2750);
  CHECK(depth_at(a, -1) == 0);
  CHECK(depth_at(a, 499) == 3);
  CHECK(depth_at(a, 500) == 4);
  CHECK(depth_at(a, 100000) == 0);

  const auto b = parse_trace("0,5\n0,7\n2,1\n2,1\n", TraceKind::arrivals, "b.csv");
  REQUIRE(b.points.size() == 2);
  CHECK(b.points[0].value == 12); // same-time rows add up
  CHECK(b.points[1].t_ms == 2000);
  CHECK(b.points[1].value == 2);
}

TEST_CASE("simulate traces: bad rows name the file and the line") {
  CHECK(trace_error("seconds,depth\n0,1\n0,2\n", TraceKind::depth).rfind("t.csv:3: time 0 is not after", 0) == 0);
  CHECK(trace_error("0,1\n5,2\n4,2\n", TraceKind::arrivals).rfind("t.csv:3: time 4 is before", 0) == 0);
  CHECK(trace_error("0,1\n1,-2\n", TraceKind::depth) == "t.csv:2: depth \"-2\" is not a whole non-negative number");
  CHECK(trace_error("0,1.5\n", TraceKind::arrivals) == "t.csv:1: tasks \"1.5\" is not a whole non-negative number");
  CHECK(trace_error("0,1\nx,2\n", TraceKind::depth) == "t.csv:2: \"x\" is not a number of seconds");
  CHECK(trace_error("0,1\nseconds,depth\n", TraceKind::depth) == "t.csv:2: a header is only allowed on the first line");
  CHECK(trace_error("0 1\n", TraceKind::depth) == "t.csv:1: expected \"seconds,depth\", got \"0 1\"");
  CHECK(trace_error("", TraceKind::depth) == "t.csv: no rows (expected \"seconds,depth\" lines)");
  CHECK(trace_error("seconds,depth\n", TraceKind::depth) == "t.csv: no rows (expected \"seconds,depth\" lines)");
  CHECK(trace_error("time,value\n0,1\n", TraceKind::depth).rfind("t.csv:1: expected the header \"seconds,depth\"", 0) == 0);
  CHECK(trace_error("1e400,1\n", TraceKind::depth) == "t.csv:1: \"1e400\" is not a number of seconds");
  CHECK(trace_error("0,99999999999999999999\n", TraceKind::depth).find("is not a whole non-negative number") !=
        std::string::npos);
  // The header names the other kind of trace.
  CHECK(trace_error("seconds,tasks\n0,1\n", TraceKind::depth) ==
        "t.csv:1: header \"seconds,tasks\" is an arrivals trace; --depth-trace needs \"seconds,depth\"");
  CHECK(trace_error("seconds,depth\n0,1\n", TraceKind::arrivals) ==
        "t.csv:1: header \"seconds,depth\" is a depth trace; --arrivals-trace needs \"seconds,tasks\"");
  // Control characters are escaped.
  CHECK(trace_error("0,\x1b[31m\n", TraceKind::depth).find("\\x1b[31m") != std::string::npos);
}

TEST_CASE("simulate traces: files are read whole and size-limited") {
  graflow::testing::TempDir dir;
  const auto path = (dir / "t.csv").string();
  std::ofstream(path) << "seconds,tasks\n1,2\n3,4\n";
  const auto t = read_trace(path, TraceKind::arrivals);
  CHECK(t.points.size() == 2);
  CHECK(t.end_ms() == 2000);

  try {
    read_trace((dir / "missing.csv").string(), TraceKind::depth);
    FAIL("no error");
  } catch (const graflow::Error& e) {
    CHECK(e.code() == graflow::Exit::usage);
    CHECK(std::string(e.what()) == "cannot read " + (dir / "missing.csv").string() + ": No such file or directory");
  }
  // A sparse file over the limit is refused before it is read.
  const auto big = (dir / "big.csv").string();
  const int fd = ::open(big.c_str(), O_CREAT | O_WRONLY, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::ftruncate(fd, static_cast<off_t>(k_max_trace_bytes + 1)) == 0);
  ::close(fd);
  try {
    read_trace(big, TraceKind::depth);
    FAIL("no error");
  } catch (const graflow::Error& e) {
    CHECK(e.code() == graflow::Exit::usage);
    CHECK(std::string(e.what()) == big + " is 512 MiB; traces are limited to 512 MiB");
  }
}

TEST_CASE("simulate load generators") {
  // steady: 2.5 tasks/s over 10 s, delivered at each step's start.
  const auto steady = generate_load(parse_load("steady:rate=2.5"), 10'000, 1000);
  CHECK(total(steady) == 25);
  REQUIRE(steady.points.size() == 10);
  CHECK(steady.points[0].value == 2);
  CHECK(steady.points[1].value == 3);
  CHECK(steady.points[9].t_ms == 9000);

  // burst: at 0, 10m, 20m, 30m (the end is included), and at an offset between steps.
  const auto burst = generate_load(parse_load("burst:tasks=500,every=10m"), 30 * 60'000, 1000);
  CHECK(total(burst) == 2000);
  CHECK(burst.points.size() == 4);
  CHECK(burst.points[3].t_ms == 30 * 60'000);
  const auto offset = generate_load(parse_load("burst:tasks=7,every=1h,at=1500ms"), 10'000, 1000);
  REQUIRE(offset.points.size() == 1);
  CHECK(offset.points[0].t_ms == 1500);

  // daily: a full period delivers (low + high) / 2 per second; the peak is mid-period.
  const auto daily = generate_load(parse_load("daily:low=1,high=3,period=1h"), 3'600'000, 1000);
  CHECK(total(daily) == 7200);
  std::int64_t first_minute = 0;
  std::int64_t mid_minute = 0;
  for (const auto& p : daily.points) {
    first_minute += p.t_ms < 60'000 ? p.value : 0;
    mid_minute += p.t_ms >= 1'770'000 && p.t_ms < 1'830'000 ? p.value : 0;
  }
  CHECK(first_minute >= 60);
  CHECK(first_minute <= 61);
  CHECK(mid_minute >= 179);
  CHECK(mid_minute <= 180);

  // components add up; the same spec always gives the same trace
  const auto both = generate_load(parse_load("steady:rate=1+burst:tasks=10,every=5s"), 10'000, 1000);
  CHECK(total(both) == 10 + 30);
  const auto again = generate_load(parse_load("steady:rate=1+burst:tasks=10,every=5s"), 10'000, 1000);
  REQUIRE(again.points.size() == both.points.size());
  CHECK(again.points.back().value == both.points.back().value);
}

TEST_CASE("simulate load SPEC errors") {
  CHECK(load_error("poisson:rate=1").find("unknown kind \"poisson\" (steady, burst or daily)") != std::string::npos);
  CHECK(load_error("steady").find("\"steady\" has no KIND:") != std::string::npos);
  CHECK(load_error("steady:rate=-1").find("rate=-1 is not a number >= 0") != std::string::npos);
  CHECK(load_error("steady:speed=1").find("steady needs rate=") != std::string::npos);
  CHECK(load_error("steady:rate=1,jitter=2").find("steady has no jitter=") != std::string::npos);
  CHECK(load_error("burst:tasks=1.5,every=1m").find("tasks=1.5 is not a whole number") != std::string::npos);
  CHECK(load_error("burst:tasks=5,every=0s").find("every= must be greater than zero") != std::string::npos);
  CHECK(load_error("burst:tasks=5,every=10").find("invalid --load every=10") != std::string::npos);
  CHECK(load_error("daily:low=1").find("daily needs high=") != std::string::npos);
  CHECK(load_error("steady:rate=1,rate=2").find("rate given twice") != std::string::npos);
  CHECK(load_error("").find("invalid --load \"\": empty") != std::string::npos);
}
