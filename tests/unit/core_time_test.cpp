// core/time: RFC 3339 as Kubernetes writes it.
#include "graflow/core/time.hpp"

#include <doctest/doctest.h>

using graflow::time::format_rfc3339;
using graflow::time::parse_rfc3339;
using std::chrono::system_clock;

TEST_CASE("parse_rfc3339: UTC, offsets, fractions") {
  const auto t = [](const char* s) { return parse_rfc3339(s).value(); };
  CHECK(system_clock::to_time_t(t("2030-01-02T03:04:05Z")) == 1893553445);
  CHECK(system_clock::to_time_t(t("2030-01-02T03:04:05+01:00")) == 1893553445 - 3600);
  CHECK(system_clock::to_time_t(t("2030-01-02T03:04:05-02:30")) == 1893553445 + 9000);
  CHECK(t("2030-01-02T03:04:05.75Z") - t("2030-01-02T03:04:05Z") == std::chrono::milliseconds(750));
  CHECK(t("2030-01-02T03:04:05.123456789Z") - t("2030-01-02T03:04:05Z") == std::chrono::nanoseconds(123456789));
  CHECK(t("2030-01-02t03:04:05z") == t("2030-01-02T03:04:05Z"));
  CHECK(system_clock::to_time_t(t("1970-01-01T00:00:00Z")) == 0);
}

TEST_CASE("parse_rfc3339 rejects what is not RFC 3339") {
  for (const char* bad : {"", "2030-01-02 03:04:05Z", "2030-01-02T03:04:05", "2030-01-02T03:04:05Zjunk",
                          "2030-01-02T03:04:05+01", "2030-13-02T03:04:05Z", "2030-01-02T25:04:05Z", "tomorrow",
                          "2030-01-02T03:04:05Z+01:00"}) {
    INFO(std::string(bad));
    CHECK_FALSE(parse_rfc3339(bad).has_value());
  }
}

TEST_CASE("format_rfc3339: UTC whole seconds, and a round trip") {
  const auto t = parse_rfc3339("2030-01-02T04:04:05.9+01:00").value();
  CHECK(format_rfc3339(t) == "2030-01-02T03:04:05Z");
  CHECK(format_rfc3339(system_clock::from_time_t(0)) == "1970-01-01T00:00:00Z");
  CHECK(parse_rfc3339(format_rfc3339(t)).value() == parse_rfc3339("2030-01-02T03:04:05Z").value());
}
