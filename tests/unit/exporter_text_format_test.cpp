#include "graflow/exporter/metrics.hpp"
#include "graflow/exporter/text_format.hpp"
#include "graflow/queues/spec.hpp"

#include <cmath>
#include <doctest/doctest.h>
#include <limits>
#include <sstream>

namespace text = graflow::exporter::text;
using graflow::exporter::MetricsPage;
using graflow::exporter::Reading;

namespace {

std::string label_value(std::string_view v) {
  std::string out;
  text::append_label_value(out, v);
  return out;
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string line;
  while (std::getline(in, line)) {
    out.push_back(line);
  }
  return out;
}

// Sample lines (not comments) whose metric name is `name`.
std::vector<std::string> samples(const std::string& page, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& l : lines(page)) {
    if (l.rfind(name + "{", 0) == 0 || l.rfind(name + " ", 0) == 0) {
      out.push_back(l);
    }
  }
  return out;
}

std::vector<graflow::queues::QueueSpec> prefixes(const std::vector<std::string>& names) {
  std::vector<graflow::queues::QueueSpec> out;
  for (const auto& n : names) {
    out.push_back(graflow::queues::graflow_queue(n));
  }
  return out;
}

graflow::queues::Reading waiting(long long n) {
  graflow::queues::Reading q;
  q.waiting = n;
  return q;
}

Reading up(const std::vector<long long>& depths) {
  Reading r;
  r.redis_up = true;
  for (const long long d : depths) {
    r.queues.push_back(waiting(d));
  }
  r.duration = std::chrono::microseconds(1500);
  return r;
}

} // namespace

TEST_CASE("label values escape backslash, double quote and newline, and nothing else") {
  CHECK(label_value("graflow") == "graflow");
  CHECK(label_value(R"(a\b)") == R"(a\\b)");
  CHECK(label_value(R"(say "hi")") == R"(say \"hi\")");
  CHECK(label_value("two\nlines") == R"(two\nlines)");
  CHECK(label_value("tab\tand {braces}, commas = ok") == "tab\tand {braces}, commas = ok");
  CHECK(label_value("日本語") == "日本語");
}

TEST_CASE("HELP text escapes backslash and newline but keeps double quotes") {
  std::string out;
  text::append_family(out, "m", "a \"quoted\" \\ path\nsecond line", text::Type::counter);
  CHECK(out == "# HELP m a \"quoted\" \\\\ path\\nsecond line\n# TYPE m counter\n");
  out.clear();
  text::append_family(out, "g", "x", text::Type::gauge);
  CHECK(out == "# HELP g x\n# TYPE g gauge\n");
}

TEST_CASE("series names with and without labels") {
  CHECK(text::series("up") == "up");
  CHECK(text::series("m", {{"a", "1"}}) == R"(m{a="1"})");
  CHECK(text::series("m", {{"a", "x\"y"}, {"b", "\\"}}) == R"(m{a="x\"y",b="\\"})");
}

TEST_CASE("sample values: integers, shortest round-tripping doubles, NaN and infinities") {
  std::string out;
  text::append_sample(out, "i", 0LL);
  text::append_sample(out, "i", 9'007'199'254'740'993LL);
  text::append_sample(out, "i", -3LL);
  text::append_sample(out, "d", 0.000153);
  text::append_sample(out, "d", 1.0);
  text::append_sample(out, "d", std::numeric_limits<double>::quiet_NaN());
  text::append_sample(out, "d", std::numeric_limits<double>::infinity());
  text::append_sample(out, "d", -std::numeric_limits<double>::infinity());
  CHECK(out == "i 0\ni 9007199254740993\ni -3\nd 0.000153\nd 1\nd NaN\nd +Inf\nd -Inf\n");
}

TEST_CASE("the page while Redis answers: every prefix, with HELP and TYPE for every family") {
  const MetricsPage page(prefixes({"graflow", "tenant-b", "missing"}), "1.2.3");
  std::string out;
  page.render(out, up({12, 0, 0}), 4);
  CHECK(out.size() <= page.size_hint());
  CHECK(samples(out, "graflow_queue_depth") ==
        std::vector<std::string>{R"(graflow_queue_depth{key_prefix="graflow"} 12)",
                                 R"(graflow_queue_depth{key_prefix="tenant-b"} 0)",
                                 R"(graflow_queue_depth{key_prefix="missing"} 0)"});
  CHECK(samples(out, "graflow_redis_up") == std::vector<std::string>{"graflow_redis_up 1"});
  CHECK(samples(out, "graflow_exporter_scrape_duration_seconds") ==
        std::vector<std::string>{"graflow_exporter_scrape_duration_seconds 0.0015"});
  CHECK(samples(out, "graflow_exporter_scrape_errors_total") ==
        std::vector<std::string>{"graflow_exporter_scrape_errors_total 4"});
  CHECK(samples(out, "graflow_build_info") == std::vector<std::string>{R"(graflow_build_info{version="1.2.3"} 1)"});
  for (const auto& [name, type] : std::vector<std::pair<std::string, std::string>>{
           {"graflow_queue_depth", "gauge"},
           {"graflow_redis_up", "gauge"},
           {"graflow_exporter_scrape_duration_seconds", "gauge"},
           {"graflow_exporter_scrape_errors_total", "counter"},
           {"graflow_build_info", "gauge"}}) {
    CAPTURE(name);
    CHECK(out.find("# HELP " + name + " ") != std::string::npos);
    CHECK(out.find("# TYPE " + name + " " + type + "\n") != std::string::npos);
  }
  // Every line is a comment or "series value", and the page ends with a newline.
  CHECK(out.back() == '\n');
  for (const auto& l : lines(out)) {
    CAPTURE(l);
    CHECK((l.rfind("# HELP ", 0) == 0 || l.rfind("# TYPE ", 0) == 0 || l.find(' ') != std::string::npos));
  }
}

TEST_CASE("the page while Redis is away: graflow_redis_up 0 and no depth sample at all") {
  const MetricsPage page(prefixes({"graflow", "other"}), "1.2.3");
  Reading down;
  down.error = "cannot reach Redis at 127.0.0.1:1: connection refused";
  down.duration = std::chrono::milliseconds(1000);
  std::string out;
  page.render(out, down, 1);
  CHECK(samples(out, "graflow_queue_depth").empty());
  CHECK(out.find("# TYPE graflow_queue_depth gauge\n") != std::string::npos);
  CHECK(samples(out, "graflow_redis_up") == std::vector<std::string>{"graflow_redis_up 0"});
  CHECK(samples(out, "graflow_exporter_scrape_duration_seconds") ==
        std::vector<std::string>{"graflow_exporter_scrape_duration_seconds 1"});
  CHECK(samples(out, "graflow_exporter_scrape_errors_total") ==
        std::vector<std::string>{"graflow_exporter_scrape_errors_total 1"});
  // A reading that says "down" never shows depths, even if it carries some.
  Reading inconsistent = down;
  inconsistent.queues = {waiting(5), waiting(6)};
  out.clear();
  page.render(out, inconsistent, 1);
  CHECK(samples(out, "graflow_queue_depth").empty());
}

TEST_CASE("a cluster with one node down: the other queues' samples, graflow_redis_up 0, node_up per node") {
  const MetricsPage page(prefixes({"a", "b", "c"}), "1.2.3");
  Reading partial;
  partial.queues = {waiting(3), {}, waiting(5)};
  partial.error = "cannot reach Redis at 127.0.0.1:7002: connection refused";
  partial.nodes = {{"127.0.0.1:7001", true}, {"127.0.0.1:7002", false}};
  std::string out;
  page.render(out, partial, 1);
  CHECK(samples(out, "graflow_queue_depth") ==
        std::vector<std::string>{R"(graflow_queue_depth{key_prefix="a"} 3)", R"(graflow_queue_depth{key_prefix="c"} 5)"});
  CHECK(samples(out, "graflow_redis_up") == std::vector<std::string>{"graflow_redis_up 0"});
  CHECK(samples(out, "graflow_redis_node_up") ==
        std::vector<std::string>{R"(graflow_redis_node_up{node="127.0.0.1:7001"} 1)",
                                 R"(graflow_redis_node_up{node="127.0.0.1:7002"} 0)"});
  CHECK(out.find("# TYPE graflow_redis_node_up gauge\n") != std::string::npos);
  // A single node (no cluster): no node_up family at all.
  out.clear();
  page.render(out, up({1, 2, 3}), 0);
  CHECK(out.find("graflow_redis_node_up") == std::string::npos);
}

TEST_CASE("prefixes that need escaping end up escaped in the label") {
  const MetricsPage page(prefixes({"we\"ird\\pre\nfix"}), "v\"1");
  std::string out;
  page.render(out, up({7}), 0);
  CHECK(samples(out, "graflow_queue_depth") ==
        std::vector<std::string>{R"(graflow_queue_depth{key_prefix="we\"ird\\pre\nfix"} 7)"});
  CHECK(samples(out, "graflow_build_info") == std::vector<std::string>{R"(graflow_build_info{version="v\"1"} 1)"});
}

TEST_CASE("queues of other layouts: queue and layout labels, and only what is known") {
  namespace q = graflow::queues;
  const MetricsPage page({q::graflow_queue("graflow"), q::parse_queue_spec("celery:tasks"),
                          q::parse_queue_spec("bullmq:mail,id=mail-q"), q::parse_queue_spec("stream:ev,group=g")},
                         "1.2.3");
  Reading r = up({});
  r.queues.push_back(waiting(4)); // graflow: waiting only
  q::Reading celery = waiting(10);
  celery.in_flight = 3;
  r.queues.push_back(celery);
  q::Reading bull = waiting(2);
  bull.in_flight = 1;
  bull.oldest_age_seconds = 12.5;
  bull.paused = true;
  r.queues.push_back(bull);
  q::Reading stream; // lag unknown: no depth sample, never a 0
  stream.waiting_unknown = "the group's lag is null";
  stream.in_flight = 7;
  r.queues.push_back(stream);
  std::string out;
  page.render(out, r, 0);
  CHECK(out.size() <= page.size_hint());
  CHECK(samples(out, "graflow_queue_depth") ==
        std::vector<std::string>{R"(graflow_queue_depth{key_prefix="graflow"} 4)",
                                 R"(graflow_queue_depth{queue="tasks",layout="celery"} 10)",
                                 R"(graflow_queue_depth{queue="mail-q",layout="bullmq"} 2)"});
  CHECK(samples(out, "graflow_queue_in_flight") ==
        std::vector<std::string>{R"(graflow_queue_in_flight{queue="tasks",layout="celery"} 3)",
                                 R"(graflow_queue_in_flight{queue="mail-q",layout="bullmq"} 1)",
                                 R"(graflow_queue_in_flight{queue="ev",layout="stream"} 7)"});
  CHECK(samples(out, "graflow_queue_load") ==
        std::vector<std::string>{R"(graflow_queue_load{queue="tasks",layout="celery"} 13)",
                                 R"(graflow_queue_load{queue="mail-q",layout="bullmq"} 3)"});
  CHECK(samples(out, "graflow_queue_oldest_age_seconds") ==
        std::vector<std::string>{R"(graflow_queue_oldest_age_seconds{queue="mail-q",layout="bullmq"} 12.5)"});
  CHECK(samples(out, "graflow_queue_paused") ==
        std::vector<std::string>{R"(graflow_queue_paused{queue="mail-q",layout="bullmq"} 1)"});
  for (const auto* name : {"graflow_queue_in_flight", "graflow_queue_load", "graflow_queue_oldest_age_seconds",
                           "graflow_queue_paused"}) {
    CAPTURE(name);
    CHECK(out.find(std::string("# TYPE ") + name + " gauge\n") != std::string::npos);
  }
}
