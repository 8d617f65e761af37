// core/text: percent-encoding, host:port, and redacting credentials in other programs' output.
#include "graflow/core/text.hpp"

#include <doctest/doctest.h>
#include <string>
#include <vector>

using namespace graflow::text;

TEST_CASE("url_encode keeps the unreserved characters only") {
  CHECK(url_encode("key_prefix=graflow") == "key_prefix%3Dgraflow");
  CHECK(url_encode("a b/c~d.e-f") == "a%20b%2Fc~d.e-f");
  CHECK(url_encode("é") == "%C3%A9");
  CHECK(url_encode("system:node:x", ":") == "system:node:x");
}

TEST_CASE("join_host_port brackets IPv6 literals") {
  CHECK(join_host_port("10.0.0.1", "443") == "10.0.0.1:443");
  CHECK(join_host_port("fd00::1", 443) == "[fd00::1]:443");
  CHECK(join_host_port("[fd00::1]", "443") == "[fd00::1]:443");
  CHECK(join_host_port("redis", 6379) == "redis:6379");
}

TEST_CASE("redact_secrets hides tokens and keeps the rest readable") {
  CHECK(redact_secrets("error: Authorization: Bearer abc.def-123 rejected") ==
        "error: Authorization: Bearer [redacted] rejected");
  CHECK(redact_secrets("token: s3cr3t\nnext line") == "token: [redacted]\nnext line");
  CHECK(redact_secrets(R"({"access_token":"xyz","expires":3600})") == R"({"access_token":"[redacted]","expires":3600})");
  CHECK(redact_secrets("--password=hunter2 given") == "--password=[redacted] given");
  CHECK(redact_secrets("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_x end") == "jwt [redacted] end");
  CHECK(redact_secrets("got dGhpcyBpcyBhIHNlY3JldCB0b2tlbiB2YWx1ZQ== back") == "got [redacted]== back");
  CHECK(redact_secrets("id 0123456789abcdef0123456789abcdef") == "id [redacted]");
  // Plain messages, paths and URLs stay as they are.
  for (const char* keep : {"error: could not get token: connection refused to https://sts.example.com:443",
                           "/usr/lib/x86_64-linux-gnu/libcrypto-and-more-words.so", "token expired, log in again"}) {
    CHECK(redact_secrets(keep) == keep);
  }
}

TEST_CASE("tail trims trailing whitespace and keeps the end") {
  CHECK(tail("abc\n\n", 10) == "abc");
  CHECK(tail("0123456789", 4) == "…6789");
}

TEST_CASE("is_dns1123_label") {
  CHECK(is_dns1123_label("ops"));
  CHECK(is_dns1123_label("a-1"));
  CHECK(is_dns1123_label(std::string(63, 'a')));
  for (const char* bad : {"", "Bad NS", "Ops", "-a", "a-", "a_b", "a.b"}) {
    INFO(bad);
    CHECK_FALSE(is_dns1123_label(bad));
  }
  CHECK_FALSE(is_dns1123_label(std::string(64, 'a')));
}

TEST_CASE("is_dns1123_subdomain: Kubernetes object names, never a path") {
  for (const char* good : {"graflow-worker", "a", "a.b", "v1.2-x", "0"}) {
    INFO(good);
    CHECK(is_dns1123_subdomain(good));
  }
  CHECK(is_dns1123_subdomain(std::string(253, 'a').replace(63, 1, ".")));
  for (const std::string& bad : std::vector<std::string>{"", "..", ".", "x/../../y", "a/b", "a..b", ".a", "a.", "-a", "a-.b", "A", "a b",
                                std::string("a\0b", 3), "a\nb", "a\x1b[31m"}) {
    INFO(bad);
    CHECK_FALSE(is_dns1123_subdomain(bad));
  }
  CHECK_FALSE(is_dns1123_subdomain(std::string(254, 'a')));
}

TEST_CASE("edit_distance: insertions, deletions, substitutions; case only when asked") {
  using graflow::text::edit_distance;
  CHECK(edit_distance("", "") == 0);
  CHECK(edit_distance("render", "render") == 0);
  CHECK(edit_distance("rendr", "render") == 1);
  CHECK(edit_distance("maxReplica", "maxReplicas") == 1);
  CHECK(edit_distance("celry", "celery") == 1);
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("MinReplicas", "minReplicas") == 1);
  CHECK(edit_distance("MinReplicas", "minReplicas", true) == 0);
}
