// created / configured / unchanged from a server-side apply's response alone.
#include "graflow/kube/client.hpp"

#include <doctest/doctest.h>

using graflow::kube::apply_outcome;
using graflow::kube::ApplyOutcome;
using nlohmann::json;
using std::chrono::seconds;
using std::chrono::system_clock;

namespace {

json applied_at(const std::string& time, const std::string& manager = "graflowctl") {
  return {{"metadata",
           {{"managedFields",
             json::array({{{"manager", "kube-controller-manager"}, {"operation", "Update"}, {"time", "2030-01-01T00:00:00Z"},
                           {"subresource", "status"}},
                          {{"manager", manager}, {"operation", "Apply"}, {"time", time}}})}}}};
}

const system_clock::time_point t0 = system_clock::from_time_t(1772366400); // 2026-03-01T12:00:00Z

} // namespace

TEST_CASE("parse_http_date reads IMF-fixdate") {
  CHECK(graflow::kube::parse_http_date("Sun, 01 Mar 2026 12:00:00 GMT") == t0);
  CHECK_FALSE(graflow::kube::parse_http_date("2026-03-01T12:00:00Z").has_value());
  CHECK_FALSE(graflow::kube::parse_http_date("Sun, 01 Mar 2026 12:00:00 GMT junk").has_value());
}

TEST_CASE("apply_outcome: 201 is created; a fresh Apply stamp is configured, an old one unchanged") {
  const auto date = std::optional<std::string>("Sun, 01 Mar 2026 12:00:00 GMT");
  CHECK(apply_outcome(201, json::object(), "graflowctl", date, t0, t0) == ApplyOutcome::created);
  CHECK(apply_outcome(200, applied_at("2026-03-01T12:00:00Z"), "graflowctl", date, t0, t0) == ApplyOutcome::configured);
  CHECK(apply_outcome(200, applied_at("2026-03-01T11:59:59Z"), "graflowctl", date, t0, t0) == ApplyOutcome::unchanged);
  // Another manager's fresh entry (the controller's status write) says nothing about ours.
  CHECK(apply_outcome(200, applied_at("2026-03-01T11:00:00Z"), "graflowctl", date, t0, t0) == ApplyOutcome::unchanged);
  // No entry of ours (someone removed managedFields): do not claim unchanged.
  CHECK(apply_outcome(200, applied_at("2026-03-01T11:00:00Z", "kubectl"), "graflowctl", date, t0, t0) ==
        ApplyOutcome::configured);
}

TEST_CASE("apply_outcome uses the server's Date, so client clock skew does not matter") {
  // The client's clock is an hour ahead; the server stamped this apply at 12:00:00.
  const auto local = t0 + std::chrono::hours(1);
  const auto date = std::optional<std::string>("Sun, 01 Mar 2026 12:00:00 GMT");
  CHECK(apply_outcome(200, applied_at("2026-03-01T12:00:00Z"), "graflowctl", date, local, local) ==
        ApplyOutcome::configured);
  // An hour behind: a stamp from 11:30 server time is still old.
  const auto behind = t0 - std::chrono::hours(1);
  CHECK(apply_outcome(200, applied_at("2026-03-01T11:30:00Z"), "graflowctl", date, behind, behind) ==
        ApplyOutcome::unchanged);
  // Without Date the local clock stands in for the server's.
  CHECK(apply_outcome(200, applied_at("2026-03-01T11:30:00Z"), "graflowctl", std::nullopt, t0, t0) ==
        ApplyOutcome::unchanged);
}

TEST_CASE("apply_outcome allows for the request's duration: a stamp from while it was in flight is ours") {
  // Sent at 11:59:58.5, answered at 12:00:00.2 with Date 12:00:00: the server may have
  // written at 11:59:58, which is not "old".
  const auto sent = t0 - std::chrono::milliseconds(1500);
  const auto received = t0 + std::chrono::milliseconds(200);
  const auto date = std::optional<std::string>("Sun, 01 Mar 2026 12:00:00 GMT");
  CHECK(apply_outcome(200, applied_at("2026-03-01T11:59:58Z"), "graflowctl", date, sent, received) ==
        ApplyOutcome::configured);
  CHECK(apply_outcome(200, applied_at("2026-03-01T11:59:57Z"), "graflowctl", date, sent, received) ==
        ApplyOutcome::unchanged);
}
