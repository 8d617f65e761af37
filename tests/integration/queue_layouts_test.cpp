// Queue layouts against the real frameworks (tests/frameworks/: Celery 5.2 + kombu 5.2,
// RQ 1.13, Sidekiq 6.4, BullMQ from package.json) and a real redis-server: graflowctl's
// waiting / in flight / oldest age compared with each framework's own API while tasks are
// added and consumed; Redis Streams consumer groups; a wrong-type key for each layout.
#include "graflow/queues/layouts.hpp"
#include "graflow/queues/runner.hpp"
#include "graflow/redis/store.hpp"
#include "graflow/redis/url.hpp"
#include "harness.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <nlohmann/json.hpp>
#include <thread>

using graflow::queues::QueueSpec;
using graflow::queues::Reading;
using graflow::testing::RedisServer;
using nlohmann::json;
using namespace std::chrono_literals;
namespace q = graflow::queues;

namespace {

const std::string frameworks = std::string(GRAFLOW_SOURCE_DIR) + "/tests/frameworks/";

// Runs a framework script; returns the JSON it printed last.
json framework(const std::vector<std::string>& argv) {
  auto r = graflow::testing::run(argv, {}, 90s);
  INFO("command: " << argv[1] << " " << (argv.size() > 4 ? argv[4] : ""));
  INFO("stderr: " << r.err);
  REQUIRE(r.code == 0);
  auto out = r.out;
  while (!out.empty() && out.back() == '\n') {
    out.pop_back();
  }
  return json::parse(out.substr(out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1));
}

json celery(const RedisServer& redis, int db, std::vector<std::string> args) {
  std::vector<std::string> argv{"/usr/bin/python3", frameworks + "celery_queue.py", redis.url(db)};
  argv.insert(argv.end(), args.begin(), args.end());
  return framework(argv);
}
json rq(const RedisServer& redis, std::vector<std::string> args) {
  std::vector<std::string> argv{"/usr/bin/python3", frameworks + "rq_queue.py", redis.url()};
  argv.insert(argv.end(), args.begin(), args.end());
  return framework(argv);
}
json sidekiq(const RedisServer& redis, std::vector<std::string> args) {
  std::vector<std::string> argv{"/usr/bin/ruby", frameworks + "sidekiq_queue.rb", redis.url()};
  argv.insert(argv.end(), args.begin(), args.end());
  return framework(argv);
}
json bullmq(const RedisServer& redis, std::vector<std::string> args) {
  REQUIRE_MESSAGE(std::filesystem::exists(frameworks + "node_modules/bullmq"),
                  "BullMQ is not installed: run scripts/install-deps.sh --test (npm ci in tests/frameworks)");
  std::vector<std::string> argv{"/usr/bin/node", frameworks + "bullmq_queue.mjs", redis.url()};
  argv.insert(argv.end(), args.begin(), args.end());
  return framework(argv);
}

// A real runner that also records what was sent, to check round trips and commands.
class RecordingRunner final : public q::CommandRunner {
public:
  explicit RecordingRunner(q::CommandRunner& inner) : inner_(inner) {}
  std::vector<q::Reply> pipeline(const std::vector<q::Command>& commands, const char* doing) override {
    batches.push_back(commands);
    return inner_.pipeline(commands, doing);
  }
  [[nodiscard]] std::string endpoint() const override { return inner_.endpoint(); }
  std::vector<std::vector<q::Command>> batches;

private:
  q::CommandRunner& inner_;
};

std::vector<Reading> read(const RedisServer& redis, const std::vector<QueueSpec>& specs, int db = 0,
                          std::chrono::seconds ahead = 0s, q::ReadMemo* memo = nullptr) {
  graflow::redis::Connection connection(graflow::redis::parse_url(redis.url(db)), 5s);
  RecordingRunner recording(connection);
  auto out = q::read_queues(recording, specs, std::chrono::system_clock::now() + ahead, memo);
  CHECK(recording.batches.size() <= 2); // phase 1, and at most one dependent round trip
  for (const auto& batch : recording.batches) {
    for (const auto& c : batch) {
      CHECK(c[0] != "KEYS");
      CHECK(c[0] != "SCAN");
    }
  }
  return out;
}
Reading read1(const RedisServer& redis, const std::string& spec, int db = 0, std::chrono::seconds ahead = 0s) {
  return read(redis, {q::parse_queue_spec(spec)}, db, ahead).at(0);
}

// What reading `spec` says of its wrong-type key (the key, both types, the queue), after
// checking that the queue is unknown in every number and that its reason names the server
// and adds the hint.
std::string read_error(const RedisServer& redis, const std::string& spec, int db = 0) {
  const Reading r = read1(redis, spec, db);
  REQUIRE_MESSAGE(r.wrong_type, "no wrong-type key for " << spec);
  CHECK_FALSE(r.waiting);
  CHECK_FALSE(r.in_flight);
  CHECK_FALSE(r.oldest_age_seconds);
  CHECK_FALSE(r.paused);
  const std::string server = "Redis at 127.0.0.1:" + std::to_string(redis.port()) + ": ";
  CHECK(r.waiting_unknown == server + r.wrong_type->message + "; " + r.wrong_type->hint);
  CHECK(r.wrong_type->hint.rfind("wrong layout or wrong prefix? ", 0) == 0);
  return r.wrong_type->message;
}

double epoch_now() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

} // namespace

TEST_CASE("celery: priorities summed over kombu's steps, unacked deliveries in flight, global_keyprefix") {
  RedisServer redis;
  auto c = celery(redis, 0, {"emails", "send", "2"});
  CHECK(c["waiting"] == 2);
  CHECK(read1(redis, "celery:emails").waiting == 2);

  c = celery(redis, 0, {"emails", "send", "3", "9"}); // kombu's step 9 list
  c = celery(redis, 0, {"emails", "send", "1", "4"}); // bisected down to step 3
  CHECK(c["waiting"] == 6);
  CHECK(redis.command({"LLEN", "emails\x06\x16" "9"}) == "3");
  auto r = read1(redis, "celery:emails");
  CHECK(r.waiting == c["waiting"].get<long long>());
  CHECK(r.in_flight == 0);
  CHECK_FALSE(r.oldest_age_seconds); // kombu stores no enqueue time
  // Steps other than kombu's defaults read other lists: only what the transport is told.
  CHECK(read1(redis, "celery:emails,steps=0,9").waiting == 5);

  // Consumed without acknowledgement: in kombu's unacked hash, routed to this queue.
  c = celery(redis, 0, {"emails", "take", "2"});
  CHECK(c["taken"] == 2);
  celery(redis, 0, {"other", "send", "2"});
  c = celery(redis, 0, {"other", "take", "1"});
  CHECK(c["unacked_total"] == 3);
  auto both = read(redis, {q::parse_queue_spec("celery:emails"), q::parse_queue_spec("celery:other")});
  CHECK(both[0].waiting == 4);
  CHECK(both[0].in_flight == 2);
  CHECK(both[1].waiting == 1);
  CHECK(both[1].in_flight == 1);
  // Entries not of kombu's shape [message, exchange, routing_key] are not counted, and the
  // hash both queues share is read (and decoded, in Redis) once per reading.
  redis.command({"HSET", "unacked", "junk1", "not json", "junk2", R"({"a": 1})", "junk3", "[1, 2, 3]", "junk4",
                 R"([{}, "", "emails", 4])"});
  redis.command({"CONFIG", "RESETSTAT"});
  both = read(redis, {q::parse_queue_spec("celery:emails"), q::parse_queue_spec("celery:other")});
  CHECK(both[0].in_flight == 2);
  CHECK(both[1].in_flight == 1);
  CHECK(redis.command({"INFO", "commandstats"}).find("cmdstat_eval:calls=1,") != std::string::npos);
  redis.command({"HDEL", "unacked", "junk1", "junk2", "junk3", "junk4"});

  // global_keyprefix: every key (lists and unacked) under the prefix.
  celery(redis, 0, {"emails", "--global-keyprefix", "app1:", "send", "2", "3"});
  c = celery(redis, 0, {"emails", "--global-keyprefix", "app1:", "take", "1"});
  auto p = read1(redis, "celery:emails,global_keyprefix=app1:,id=emails-app1");
  CHECK(p.waiting == c["waiting"].get<long long>());
  CHECK(p.waiting == 1);
  CHECK(p.in_flight == 1);
  CHECK(p.key == "app1:emails");

  // Above 10,000 unacked entries: in flight unknown, with the reason.
  redis.command({"EVAL", "for i = 1, 10001 do redis.call('HSET', KEYS[1], 'x' .. i, '[{}, \"\", \"emails\"]') end", "1",
                 "app1:unacked"});
  auto big = read1(redis, "celery:emails,global_keyprefix=app1:,id=e1");
  CHECK_FALSE(big.in_flight);
  CHECK(big.in_flight_unknown == "the unacked hash app1:unacked has 10002 entries, more than the 10000 graflowctl reads");
  CHECK(big.waiting == 1);

  redis.command({"SET", "emails\x06\x16" "6", "oops"});
  CHECK(read_error(redis, "celery:emails") == "key emails\\x06\\x166 holds a string, not a list (layout celery, queue emails)");
  redis.command({"DEL", "emails\x06\x16" "6"});
  redis.command({"SET", "unacked", "oops"});
  CHECK(read_error(redis, "celery:emails") == "key unacked holds a string, not a hash (layout celery, queue emails)");
}

TEST_CASE("celery: the unacked hash read by delivery tag gives the in-Redis (cjson) count, entry for entry") {
  RedisServer redis;
  celery(redis, 0, {"emails", "send", "3"});
  celery(redis, 0, {"emails", "take", "2"}); // kombu's own entries (Python's json)
  // cjson's own encoding ("/" escaped), escapes and \u in the routing key, cjson's
  // leniencies (numbers, a lone surrogate, a NUL where it stops reading), entries of other
  // shapes, not JSON at all: the tags' decode and the in-Redis count must agree on each.
  const std::vector<std::pair<std::string, std::string>> entries{
      {"e1", R"([{"content-type":"application\/json","n":-1.5e+3},"","emails"])"},
      {"e2", R"([{}, "", "caf\u00e9"])"},
      {"e3", R"([{}, "", "a\"b"])"},
      {"e4", "[0x1F, \"\", \"emails\"]"},
      {"e5", "[01, \"\", \"emails\"]"},
      {"e6", R"([{}, "", "\udc00"])"},
      {"e7", std::string("[{}, \"\", \"emails\"]\0junk", 23)},
      {"e8", R"([{}, "", "emails", 4])"},
      {"e9", "not json"},
      {"e10", R"({"a": 1})"},
      {"e11", "[{}, \"\", \"emails\"] \n"},
      {"e12", R"([[], "", "caf\u00e9"])"},
  };
  for (const auto& [tag, value] : entries) {
    redis.command({"HSET", "unacked", tag, value});
  }
  const std::vector<QueueSpec> specs{q::parse_queue_spec("celery:emails"), q::parse_queue_spec("celery:caf\xc3\xa9,id=cafe"),
                                     q::parse_queue_spec("celery:a\"b,id=ab")};
  // The in-Redis count: each queue's own commands (first_commands), as a Cluster once sent.
  graflow::redis::Connection connection(graflow::redis::parse_url(redis.url()), 5s);
  const auto check_against_redis = [&](const std::vector<Reading>& shared) {
    for (std::size_t i = 0; i < specs.size(); ++i) {
      const auto now = std::chrono::system_clock::now();
      const auto replies = connection.pipeline(q::first_commands(specs[i], now), "reading one queue");
      const auto alone = q::interpret_first(specs[i], replies, now).reading;
      CAPTURE(specs[i].id);
      REQUIRE(shared.at(i).in_flight);
      CHECK(shared.at(i).in_flight == alone.in_flight);
      CHECK(shared.at(i).waiting == alone.waiting);
    }
  };
  const auto shared = read(redis, specs);
  check_against_redis(shared);
  CHECK(shared.at(1).in_flight == 2);
  CHECK(shared.at(2).in_flight == 1);

  // With a memo, as the exporter reads: the first reading decodes every tag, the next only
  // the new ones; acknowledged deliveries leave the count, new ones join it.
  q::ReadMemo memo;
  check_against_redis(read(redis, specs, 0, 0s, &memo));
  CHECK(memo.unacked.at("").size() == entries.size() + 2); // and the two of "take"
  redis.command({"HDEL", "unacked", "e2", "e3"});
  redis.command({"HSET", "unacked", "e13", R"([{}, "", "a\"b"])", "e14", "[{}, \"\", \"emails\"]"});
  const auto later = read(redis, specs, 0, 0s, &memo);
  check_against_redis(later);
  CHECK(later.at(1).in_flight == 1);
  CHECK(later.at(2).in_flight == 1);
  CHECK(memo.unacked.at("").size() == entries.size() + 2); // and the two of "take"
}

TEST_CASE("rq: Queue.count, StartedJobRegistry.count and the head job's enqueued_at") {
  RedisServer redis;
  auto f = rq(redis, {"default", "enqueue", "4"});
  CHECK(f["count"] == 4);
  auto r = read1(redis, "rq:default");
  CHECK(r.waiting == 4);
  CHECK(r.in_flight == f["started"].get<long long>());
  CHECK(r.in_flight == 0);

  f = rq(redis, {"default", "start", "2"});
  CHECK(f["started"] == 2);
  // Read as if 100 s later: the age comes from the job's enqueued_at, not from now.
  const double expected = epoch_now() + 100 - f["oldest_enqueued_at"].get<double>();
  r = read1(redis, "rq:default", 0, 100s);
  CHECK(r.waiting == f["count"].get<long long>());
  CHECK(r.waiting == 2);
  REQUIRE(r.oldest_age_seconds);
  CHECK(*r.oldest_age_seconds == doctest::Approx(expected).epsilon(0.02));
  CHECK(read1(redis, "rq:default").in_flight == 2);
  // Long past the started jobs' expiry (RQ scores them now + timeout + 60 s): not in flight.
  CHECK(read1(redis, "rq:default", 0, 3600s).in_flight == 0);

  // A started entry whose expiry has passed is not in flight, as RQ's cleanup decides.
  redis.command({"ZADD", "rq:wip:default", "1", "ghost"});
  CHECK(read1(redis, "rq:default").in_flight == 2);
  f = rq(redis, {"default", "counts"});
  CHECK(f["started"] == 2);

  f = rq(redis, {"default", "finish", "1"});
  f = rq(redis, {"default", "start", "2"});
  r = read1(redis, "rq:default");
  CHECK(r.waiting == f["count"].get<long long>());
  CHECK(r.in_flight == f["started"].get<long long>());
  CHECK(r.in_flight == 3);
  CHECK(r.oldest_age_seconds == 0.0); // empty

  redis.command({"SET", "rq:queue:bad", "x"});
  CHECK(read_error(redis, "rq:bad") == "key rq:queue:bad holds a string, not a list (layout rq, queue bad)");
  redis.command({"HSET", "rq:wip:bad2", "a", "b"});
  CHECK(read_error(redis, "rq:bad2") == "key rq:wip:bad2 holds a hash, not a sorted set (layout rq, queue bad2)");
}

TEST_CASE("sidekiq: Queue#size, #latency, and a real busy worker process") {
  RedisServer redis;
  auto f = sidekiq(redis, {"default", "push", "3", "60"});
  CHECK(f["size"] == 3);
  const double latency = f["latency"].get<double>();
  auto r = read1(redis, "sidekiq:default", 0, 100s);
  CHECK(r.waiting == 3);
  REQUIRE(r.oldest_age_seconds);
  CHECK(*r.oldest_age_seconds >= latency + 100 - 0.5);
  CHECK(*r.oldest_age_seconds <= latency + 100 + 10);
  CHECK(r.in_flight == 0);

  // A real Sidekiq process with 2 threads takes 2 of the 3 sleeping jobs.
  graflow::testing::TempDir dir;
  graflow::testing::ProcessOptions opts;
  opts.env = {"REDIS_URL=" + redis.url()};
  opts.cwd = dir.path();
  graflow::testing::Process worker(
      {"/usr/bin/sidekiq", "-r", frameworks + "sidekiq_worker.rb", "-q", "default", "-q", "other", "-c", "2"}, opts);
  json seen;
  for (int i = 0; i < 60; ++i) {
    seen = sidekiq(redis, {"default", "counts"});
    if (seen["busy"] == 2) {
      break;
    }
    std::this_thread::sleep_for(500ms);
  }
  INFO("sidekiq stderr: " << worker.err());
  REQUIRE(seen["busy"] == 2);
  sidekiq(redis, {"other", "push", "1", "60"}); // waits: both threads are busy
  auto both = read(redis, {q::parse_queue_spec("sidekiq:default"), q::parse_queue_spec("sidekiq:other")});
  f = sidekiq(redis, {"default", "counts"});
  CHECK(both[0].waiting == f["size"].get<long long>());
  CHECK(both[0].waiting == 1);
  CHECK(both[0].in_flight == f["busy"].get<long long>());
  CHECK(both[0].in_flight == 2);
  CHECK(both[1].waiting == 1);
  CHECK(both[1].in_flight == 0);
  // Both queues send the same read of the process set (and of each work hash): sent once.
  // (The running Sidekiq never reads the set itself.)
  redis.command({"CONFIG", "RESETSTAT"});
  both = read(redis, {q::parse_queue_spec("sidekiq:default"), q::parse_queue_spec("sidekiq:other")});
  CHECK(both[0].in_flight == 2);
  CHECK(redis.command({"INFO", "commandstats"}).find("cmdstat_smembers:calls=1,") != std::string::npos);

  redis.command({"SET", "processes", "x"});
  CHECK(read_error(redis, "sidekiq:default") == "key processes holds a string, not a set (layout sidekiq, queue default)");
  redis.command({"SADD", "processes2", "x"});
  redis.command({"RENAME", "processes2", "queue:bad"});
  CHECK(read_error(redis, "sidekiq:bad") == "key queue:bad holds a set, not a list (layout sidekiq, queue bad)");
}

TEST_CASE("bullmq: waiting = wait + prioritized, delayed not, active in flight, paused kept") {
  RedisServer redis;
  bullmq(redis, {"video", "add", "3"});
  bullmq(redis, {"video", "add-prioritized", "2", "5"});
  auto f = bullmq(redis, {"video", "add-delayed", "1", "100000"});
  CHECK(f["delayed"] == 1);
  auto r = read1(redis, "bullmq:video", 0, 100s);
  const auto framework_waiting = [](const json& j) {
    return j["wait"].get<long long>() + j["prioritized"].get<long long>() + j["paused"].get<long long>();
  };
  CHECK(r.waiting == framework_waiting(f));
  CHECK(r.waiting == 5);
  CHECK(r.in_flight == f["active"].get<long long>());
  CHECK(r.paused == false);
  REQUIRE(r.oldest_age_seconds);
  const double expected = epoch_now() + 100 - f["oldestTimestamp"].get<double>() / 1000;
  CHECK(*r.oldest_age_seconds == doctest::Approx(expected).epsilon(0.02));

  f = bullmq(redis, {"video", "take", "2"});
  r = read1(redis, "bullmq:video");
  CHECK(r.waiting == framework_waiting(f));
  CHECK(r.waiting == 3);
  CHECK(r.in_flight == f["active"].get<long long>());
  CHECK(r.in_flight == 2);

  // Paused: jobs stay (in wait for BullMQ 5+), reported as paused, not as empty.
  f = bullmq(redis, {"video", "pause"});
  CHECK(f["isPaused"] == true);
  f = bullmq(redis, {"video", "add", "1"});
  r = read1(redis, "bullmq:video");
  CHECK(r.paused == true);
  CHECK(r.waiting == framework_waiting(f));
  CHECK(r.waiting == 4);

  f = bullmq(redis, {"video", "resume"});
  f = bullmq(redis, {"video", "complete", "4"});
  r = read1(redis, "bullmq:video");
  CHECK(r.paused == false);
  CHECK(r.waiting == framework_waiting(f));
  CHECK(r.waiting == 0);
  CHECK(r.in_flight == f["active"].get<long long>());
  CHECK(r.oldest_age_seconds == 0.0);

  // Another prefix.
  f = bullmq(redis, {"video", "--prefix", "app", "add", "2"});
  CHECK(read1(redis, "bullmq:video,prefix=app,id=video-app").waiting == 2);

  redis.command({"SET", "bull:bad:meta", "x"});
  CHECK(read_error(redis, "bullmq:bad") == "key bull:bad:meta holds a string, not a hash (layout bullmq, queue bad)");
}

TEST_CASE("stream with a consumer group: XINFO GROUPS lag and pending, and every unknown") {
  RedisServer redis;
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(redis.command({"XADD", "ev", "*", "n", std::to_string(i)}));
  }
  redis.command({"XGROUP", "CREATE", "ev", "g", "0"});
  redis.command({"XREADGROUP", "GROUP", "g", "c1", "COUNT", "2", "STREAMS", "ev", ">"}); // read, not acknowledged
  auto r = read1(redis, "stream:ev,group=g", 0, 100s);
  CHECK(r.waiting == 3);
  CHECK(r.in_flight == 2);
  REQUIRE(r.oldest_age_seconds);
  const double third_ms = std::stod(ids[2].substr(0, ids[2].find('-')));
  CHECK(*r.oldest_age_seconds == doctest::Approx(epoch_now() + 100 - third_ms / 1000).epsilon(0.02));

  SUBCASE("XDEL of an undelivered entry: lag null, waiting unknown, never 0") {
    redis.command({"XDEL", "ev", ids[3]});
    r = read1(redis, "stream:ev,group=g");
    CHECK_FALSE(r.waiting);
    CHECK(r.waiting_unknown.find("cannot compute the lag of group g on stream ev") != std::string::npos);
    CHECK(r.in_flight == 2);
    REQUIRE(r.oldest_age_seconds); // the next undelivered entry is still known
    // Once the group has read everything, nothing can be waiting.
    redis.command({"XREADGROUP", "GROUP", "g", "c1", "COUNT", "10", "STREAMS", "ev", ">"});
    r = read1(redis, "stream:ev,group=g");
    CHECK(r.waiting == 0);
    CHECK(r.in_flight == 4);
    redis.command({"XACK", "ev", "g", ids[0], ids[1]});
    CHECK(read1(redis, "stream:ev,group=g").in_flight == 2);
  }
  SUBCASE("SETID: known while nothing was ever deleted, unknown after an XDEL") {
    redis.command({"XGROUP", "SETID", "ev", "g", "0"});
    r = read1(redis, "stream:ev,group=g");
    CHECK(r.waiting == 5); // Redis can still count: no tombstones
    redis.command({"XDEL", "ev", ids[4]});
    redis.command({"XGROUP", "SETID", "ev", "g", ids[1]});
    r = read1(redis, "stream:ev,group=g");
    CHECK_FALSE(r.waiting);
    CHECK(r.waiting_unknown.find("XGROUP SETID") != std::string::npos);
  }
  SUBCASE("group or stream missing: unknown with the reason") {
    r = read1(redis, "stream:ev,group=nope");
    CHECK_FALSE(r.waiting);
    CHECK_FALSE(r.in_flight);
    CHECK(r.waiting_unknown == "consumer group nope does not exist on stream ev (XGROUP CREATE it, or fix group=)");
    r = read1(redis, "stream:missing,group=g");
    CHECK_FALSE(r.waiting);
    CHECK(r.waiting_unknown == "stream missing does not exist, so consumer group g cannot either");
  }
  SUBCASE("plain stream: XLEN and the first entry's age; several keys summed") {
    redis.command({"XADD", "ev2", "*", "n", "1"});
    auto p = read1(redis, "stream:ev", 0, 100s);
    CHECK(p.waiting == 5);
    const double first_ms = std::stod(ids[0].substr(0, ids[0].find('-')));
    REQUIRE(p.oldest_age_seconds);
    CHECK(*p.oldest_age_seconds == doctest::Approx(epoch_now() + 100 - first_ms / 1000).epsilon(0.02));
    CHECK(read1(redis, "stream:all,keys=ev+ev2").waiting == 6);
  }
  SUBCASE("wrong type") {
    redis.command({"RPUSH", "notstream", "x"});
    CHECK(read_error(redis, "stream:notstream,group=g") ==
          "key notstream holds a list, not a stream (layout stream, queue notstream)");
    CHECK(read_error(redis, "stream:notstream") ==
          "key notstream holds a list, not a stream (layout stream, queue notstream)");
  }
}

TEST_CASE("all layouts at once: one pipelined round trip, one dependent one; list, zset, graflow") {
  RedisServer redis;
  redis.push("graflow:queue", 7);
  redis.push("jobs", 2);
  redis.command({"ZADD", "z", "1", "a", "2", "b"});
  sidekiq(redis, {"default", "push", "1"});
  rq(redis, {"default", "enqueue", "2"});
  bullmq(redis, {"video", "add", "1"});
  celery(redis, 0, {"celery", "send", "1"});
  redis.command({"XADD", "ev", "*", "n", "1"});
  redis.command({"XGROUP", "CREATE", "ev", "g", "0"});
  std::vector<QueueSpec> specs{q::graflow_queue("graflow"),         q::parse_queue_spec("list:jobs"),
                               q::parse_queue_spec("zset:z"),        q::parse_queue_spec("sidekiq:default"),
                               q::parse_queue_spec("rq:default,id=rq"), q::parse_queue_spec("bullmq:video"),
                               q::parse_queue_spec("celery:celery"), q::parse_queue_spec("stream:ev,group=g")};
  graflow::redis::Connection connection(graflow::redis::parse_url(redis.url()), 5s);
  RecordingRunner recording(connection);
  auto rs = q::read_queues(recording, specs, std::chrono::system_clock::now());
  CHECK(recording.batches.size() == 2);
  std::vector<long long> waiting;
  for (const auto& r : rs) {
    REQUIRE(r.waiting);
    waiting.push_back(*r.waiting);
  }
  CHECK(waiting == std::vector<long long>{7, 2, 2, 1, 2, 1, 1, 1});
  redis.command({"SET", "str", "x"});
  CHECK(read_error(redis, "list:str") == "key str holds a string, not a list (layout list, queue str)");
  CHECK(read_error(redis, "zset:str") == "key str holds a string, not a sorted set (layout zset, queue str)");
  redis.command({"SET", "bad:queue", "x"});
  // Only the queue with the wrong-type key is unknown; the others are read in the same request.
  const auto mixed = read(redis, {q::graflow_queue("bad"), q::parse_queue_spec("list:jobs")});
  REQUIRE(mixed.at(0).wrong_type);
  // The seed's layout keeps the words it has when read alone (queue depth, exporter).
  CHECK(mixed.at(0).waiting_unknown == "key bad:queue at Redis 127.0.0.1:" + std::to_string(redis.port()) +
                                           " is not a list: it holds a string (WRONGTYPE); "
                                           "wrong layout or wrong prefix? The graflow layout expects a list there; "
                                           "check the key prefix (--key-prefix, keyPrefix) and the database in the "
                                           "Redis URL");
  CHECK(mixed.at(1).waiting == 2);
}

namespace {
// The failure message of reading list:jobs through `connection`.
std::string jobs_error(graflow::redis::Connection& connection) {
  try {
    (void)q::read_queues(connection, {q::parse_queue_spec("list:jobs")}, std::chrono::system_clock::now());
  } catch (const graflow::Error& e) {
    CHECK(e.code() == graflow::Exit::failure);
    return e.what();
  }
  FAIL("no error reading list:jobs");
  return {};
}
} // namespace

TEST_CASE("through redis::Connection: AUTH in the first round trip, TLS, and messages naming key and server") {
  SUBCASE("a password-protected server: read with the password; without it, the key and the server named") {
    RedisServer redis(graflow::testing::with_password("s3cret-pw"));
    sidekiq(redis, {"default", "push", "2"});
    CHECK(read1(redis, "sidekiq:default").waiting == 2);
    const std::string endpoint = "127.0.0.1:" + std::to_string(redis.port());
    graflow::redis::Connection connection(graflow::redis::parse_url("redis://" + endpoint), 5s);
    const std::string message = jobs_error(connection);
    CHECK(message.rfind("Redis at " + endpoint + ": reading key jobs (layout list, queue jobs): NOAUTH", 0) == 0);
    CHECK(message.find("s3cret-pw") == std::string::npos);
  }
  SUBCASE("rediss://: the layouts read over TLS") {
    graflow::testing::TestCa ca;
    RedisServer redis(ca.redis(ca.server_cert()));
    redis.push("jobs", 3);
    auto address = graflow::redis::parse_url("rediss://127.0.0.1:" + std::to_string(redis.tls_port()));
    address.tls.ca_file = ca.ca().string();
    graflow::redis::Connection connection(address, 5s);
    auto rs = q::read_queues(connection, {q::parse_queue_spec("list:jobs")}, std::chrono::system_clock::now());
    CHECK(rs.at(0).waiting == 3);
  }
  SUBCASE("the server gone: the connection's own message names the server and what it was doing") {
    RedisServer redis;
    graflow::redis::Connection connection(graflow::redis::parse_url(redis.url()), 5s);
    redis.stop();
    const std::string message = jobs_error(connection);
    CHECK(message.find("Redis at 127.0.0.1:" + std::to_string(redis.port())) != std::string::npos);
    CHECK(message.find("reading queues") != std::string::npos);
  }
}

TEST_CASE("README's queue-layout table names the framework versions these tests run") {
  const auto output = [](const std::vector<std::string>& argv) {
    auto r = graflow::testing::run(argv, {}, 60s);
    INFO("stderr: " << r.err);
    REQUIRE(r.code == 0);
    while (!r.out.empty() && (r.out.back() == '\n' || r.out.back() == ' ')) {
      r.out.pop_back();
    }
    return r.out;
  };
  const auto slurp = [](const std::string& path) {
    std::ifstream in(path);
    REQUIRE_MESSAGE(in, "cannot read " << path);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  const std::string py = output({"/usr/bin/python3", "-c",
                                 "import celery, kombu; from rq.version import VERSION; "
                                 "print(celery.__version__, kombu.__version__, VERSION)"});
  std::istringstream words(py);
  std::string celery_v;
  std::string kombu_v;
  std::string rq_v;
  words >> celery_v >> kombu_v >> rq_v;
  const std::string sidekiq_v = output({"/usr/bin/ruby", "-e", "require 'sidekiq'; puts Sidekiq::VERSION"});
  REQUIRE_MESSAGE(std::filesystem::exists(frameworks + "node_modules/bullmq/package.json"),
                  "BullMQ is not installed: run scripts/install-deps.sh --test (npm ci in tests/frameworks)");
  const std::string bullmq_v = json::parse(slurp(frameworks + "node_modules/bullmq/package.json"))["version"];
  // package.json pins the exact version npm ci installs.
  CHECK(json::parse(slurp(frameworks + "package.json"))["dependencies"]["bullmq"] == bullmq_v);
  const std::string readme = slurp(std::string(GRAFLOW_SOURCE_DIR) + "/README.md");
  for (const auto& named : {"python3-celery " + celery_v, "python3-kombu " + kombu_v, "python3-rq " + rq_v,
                            "ruby-sidekiq " + sidekiq_v, "npm bullmq " + bullmq_v}) {
    CHECK_MESSAGE(readme.find(named) != std::string::npos, "README.md does not name " << named);
  }
}
