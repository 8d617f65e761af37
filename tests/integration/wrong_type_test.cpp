// A key of the wrong type, for each layout, against a real redis-server: `queue depth` (the
// binary) exits 1 with one line naming the server, the key, what it holds, what the layout
// expects and what to check; `doctor` fails its redis check with the same words and the hint
// on the hint line; the exporter drops only that queue's samples (never a wrong number), keeps
// graflow_redis_up 1 and the other queues, and logs one line naming the key.
#include "cmd_harness.hpp"
#include "exporter_process.hpp"
#include "harness.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using graflow::testing::CmdEnv;
using graflow::testing::ExporterProcess;
using graflow::testing::graflowctl;
using graflow::testing::RedisServer;
using graflow::testing::sample_lines;

namespace {

struct Bad {
  std::vector<std::vector<std::string>> setup; // Redis commands that make the wrong-type key
  std::vector<std::string> flag;               // the global flag naming the queue
  std::string series;                          // its graflow_queue_depth series (absent)
  std::string message;                         // key, types, layout, queue
  std::string hint;
};

std::string hint(const std::string& layout, const std::string& expected, const std::string& check,
                 const std::string& suggestion = "") {
  return "wrong layout or wrong prefix? The " + layout + " layout expects a " + expected + " there" + suggestion +
         "; check " + check + " and the database in the Redis URL";
}

const std::vector<Bad>& bad_queues() {
  static const std::vector<Bad> all = {
      {{{"HSET", "kp:queue", "a", "1"}},
       {"--key-prefix", "kp"},
       R"(graflow_queue_depth{key_prefix="kp"})",
       "key kp:queue holds a hash, not a list (layout graflow, queue kp)",
       hint("graflow", "list", "the key prefix (--key-prefix, keyPrefix)")},
      {{{"SET", "lstr", "x"}},
       {"--queue", "list:lstr"},
       R"(graflow_queue_depth{queue="lstr",layout="list"})",
       "key lstr holds a string, not a list (layout list, queue lstr)",
       hint("list", "list", "the key name (keys=)")},
      {{{"RPUSH", "zl", "x"}},
       {"--queue", "zset:zl"},
       R"(graflow_queue_depth{queue="zl",layout="zset"})",
       "key zl holds a list, not a sorted set (layout zset, queue zl)",
       hint("zset", "sorted set", "the key name (keys=)", " (a list is read by --queue list:zl)")},
      {{{"ZADD", "sz", "1", "a"}},
       {"--queue", "stream:sz,group=g"},
       R"(graflow_queue_depth{queue="sz",layout="stream"})",
       "key sz holds a zset, not a stream (layout stream, queue sz)",
       hint("stream", "stream", "the key name (keys=)", " (a sorted set is read by --queue zset:sz)")},
      {{{"SET", "emails", "x"}},
       {"--queue", "celery:emails"},
       R"(graflow_queue_depth{queue="emails",layout="celery"})",
       "key emails holds a string, not a list (layout celery, queue emails)",
       hint("celery", "list", "the queue name, global_keyprefix=")},
      {{{"HSET", "rq:queue:r", "a", "1"}},
       {"--queue", "rq:r"},
       R"(graflow_queue_depth{queue="r",layout="rq"})",
       "key rq:queue:r holds a hash, not a list (layout rq, queue r)",
       hint("rq", "list", "the queue name")},
      {{{"SADD", "queue:sk", "a"}},
       {"--queue", "sidekiq:sk"},
       R"(graflow_queue_depth{queue="sk",layout="sidekiq"})",
       "key queue:sk holds a set, not a list (layout sidekiq, queue sk)",
       hint("sidekiq", "list", "the queue name")},
      {{{"HSET", "bull:video:wait", "a", "1"}},
       {"--queue", "bullmq:video"},
       R"(graflow_queue_depth{queue="video",layout="bullmq"})",
       "key bull:video:wait holds a hash, not a list (layout bullmq, queue video)",
       hint("bullmq", "list", "the queue name, prefix= (BullMQ's default is bull)")},
  };
  return all;
}

void make_bad(const RedisServer& redis) {
  for (const auto& b : bad_queues()) {
    for (const auto& c : b.setup) {
      redis.command(c);
    }
  }
}

// Lines of `page` that are samples (not # HELP / # TYPE).
std::vector<std::string> samples_with(const std::string& page, const std::string& needle) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < page.size()) {
    auto end = page.find('\n', start);
    if (end == std::string::npos) {
      end = page.size();
    }
    const std::string line = page.substr(start, end - start);
    if (!line.empty() && line[0] != '#' && line.find(needle) != std::string::npos) {
      out.push_back(line);
    }
    start = end + 1;
  }
  return out;
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) {
    ++n;
  }
  return n;
}

} // namespace

TEST_CASE("queue depth: a wrong-type key of each layout is exit 1 with one line naming it") {
  RedisServer redis;
  make_bad(redis);
  const std::string server = "127.0.0.1:" + std::to_string(redis.port());
  for (const auto& b : bad_queues()) {
    INFO(b.flag[1]);
    std::vector<std::string> args{"queue", "depth", "--redis-url", redis.url()};
    args.insert(args.end(), b.flag.begin(), b.flag.end());
    const auto r = graflowctl(args);
    CHECK(r.code == 1);
    if (b.flag[0] == "--key-prefix") {
      // The seed's words first (scripts match them), then what to check.
      CHECK(r.err == "graflowctl: error: key kp:queue at Redis " + server +
                         " is not a list: it holds a hash (WRONGTYPE); " + b.hint + "\n");
    } else {
      CHECK(r.err == "graflowctl: error: Redis at " + server + ": " + b.message + "; " + b.hint + "\n");
    }
    CHECK(r.out.find("unknown") != std::string::npos); // printed, marked unknown, not 0
  }

  // Beside a good queue: the good one is read and shown, the command still fails on the bad one.
  redis.push("good", 3);
  const auto both = graflowctl({"queue", "depth", "--redis-url", redis.url(), "--queue", "list:good", "--queue",
                                "bullmq:video", "-o", "json"});
  CHECK(both.code == 1);
  const auto doc = nlohmann::json::parse(both.out);
  CHECK(doc["queues"][0]["depth"] == 3);
  CHECK(doc["queues"][1]["depth"].is_null());
  CHECK(doc["queues"][1]["in_flight"].is_null());
  CHECK(doc["queues"][1]["paused"].is_null());
  CHECK(both.err == "graflowctl: error: Redis at " + server + ": " + bad_queues().back().message + "; " +
                        bad_queues().back().hint + "\n");
}

TEST_CASE("doctor: a wrong-type key of each layout fails the redis check, naming the key, with the hint (exit 1)") {
  RedisServer redis;
  make_bad(redis);
  const std::string server = "127.0.0.1:" + std::to_string(redis.port());
  CmdEnv c;
  c.redis_url = redis.url();
  for (const auto& b : bad_queues()) {
    INFO(b.flag[1]);
    std::vector<std::string> args{"-n", "work", "doctor", "-p", "prod"};
    args.insert(args.end(), b.flag.begin(), b.flag.end());
    const auto r = c.run(args);
    CHECK(r.code == 1);
    CHECK(r.out.rfind("✗ Redis " + server + " (plaintext): " + b.message + "\n  hint: " + b.hint + "\n", 0) == 0);
    CHECK(r.err == "graflowctl: error: some checks failed\n");
  }
}

TEST_CASE("exporter: a wrong-type key drops only its queue's samples and is logged once, naming the key") {
  RedisServer redis;
  make_bad(redis);
  redis.push("good", 3);
  const std::string server = "127.0.0.1:" + std::to_string(redis.port());
  std::vector<std::string> args{"--redis-url", redis.url(), "--queue", "list:good"};
  for (const auto& b : bad_queues()) {
    args.insert(args.end(), b.flag.begin(), b.flag.end());
  }
  ExporterProcess exporter(args);
  std::string page;
  for (int i = 0; i < 3; ++i) {
    page = graflow::testing::http(exporter.url("/metrics")).body;
  }
  CHECK(sample_lines(page, "graflow_redis_up") == std::vector<std::string>{"graflow_redis_up 1"});
  CHECK(samples_with(page, R"(queue="good")") ==
        std::vector<std::string>{R"(graflow_queue_depth{queue="good",layout="list"} 3)"});
  CHECK(samples_with(page, R"(key_prefix="kp")").empty());
  for (const auto& b : bad_queues()) {
    INFO(b.flag[1]);
    CHECK(page.find(b.series + " ") == std::string::npos);
    if (b.flag[0] == "--queue") {
      const std::string id = b.series.substr(b.series.find("queue=\""));
      CHECK(samples_with(page, id.substr(0, id.find(',') + 1)).empty()); // no in flight, age, paused either
    }
  }
  // One line per bad queue over three scrapes, naming the key.
  const std::string err = exporter.process().err();
  CHECK(count(err, "graflowctl: queue kp (graflow) is not exported: key kp:queue at Redis " + server +
                       " is not a list: it holds a hash (WRONGTYPE); " + bad_queues()[0].hint + "\n") == 1);
  CHECK(count(err, "graflowctl: queue video (bullmq) is not exported: Redis at " + server + ": " +
                       bad_queues().back().message + "; " + bad_queues().back().hint + "\n") == 1);
  CHECK(count(err, " is not exported: ") == bad_queues().size());

  // Fixed: exported again, and said so once.
  redis.command({"DEL", "bull:video:wait"});
  redis.command({"RPUSH", "bull:video:wait", "1", "2"});
  page = graflow::testing::http(exporter.url("/metrics")).body;
  CHECK(samples_with(page, R"(graflow_queue_depth{queue="video",layout="bullmq"})") ==
        std::vector<std::string>{R"(graflow_queue_depth{queue="video",layout="bullmq"} 2)"});
  (void)graflow::testing::http(exporter.url("/metrics"));
  CHECK(count(exporter.process().err(), "graflowctl: queue video (bullmq) is readable again: exporting it\n") == 1);
}
