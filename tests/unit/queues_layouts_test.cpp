// The pure layer of queue layouts: which commands each layout sends, and how replies
// (built by hand here) become a Reading, including every "unknown" case.
#include "graflow/queues/layouts.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

using namespace graflow::queues;
using std::chrono::milliseconds;

namespace {
const TimePoint now = TimePoint(milliseconds(1'800'000'000'000)); // 2027-01-15T08:00:00Z
Reply s(std::string v) { return Reply::of(std::move(v)); }
Reply n(long long v) { return Reply::of(v); }
Reply arr(std::vector<Reply> v) { return Reply::array(std::move(v)); }
Reply wrongtype() { return Reply::error("WRONGTYPE Operation against a key holding the wrong kind of value"); }

// An XINFO GROUPS entry (RESP2 flat pairs); lag nil when `lag` < 0.
Reply group(const std::string& name, long long pending, const std::string& last, long long lag) {
  return arr({s("name"), s(name), s("consumers"), n(1), s("pending"), n(pending), s("last-delivered-id"), s(last),
              s("entries-read"), n(3), s("lag"), lag < 0 ? Reply::nil() : n(lag)});
}
} // namespace

TEST_CASE("graflow, list and zset: one count per key, summed") {
  auto g = graflow_queue("tenant");
  CHECK(first_commands(g, now) == std::vector<Command>{{"LLEN", "tenant:queue"}});
  auto st = interpret_first(g, {n(42)}, now);
  CHECK(st.reading.waiting == 42);
  CHECK_FALSE(st.reading.in_flight);
  CHECK_FALSE(st.reading.oldest_age_seconds);
  CHECK(st.followup.empty());

  auto z = parse_queue_spec("zset:all,keys=a+b");
  CHECK(first_commands(z, now) == std::vector<Command>{{"ZCARD", "a"}, {"ZCARD", "b"}});
  CHECK(interpret_first(z, {n(2), n(5)}, now).reading.waiting == 7);
  CHECK_THROWS_WITH(interpret_first(z, {n(2), wrongtype()}, now), "key b is not a sorted set (layout zset, queue all)");
}

TEST_CASE("plain stream: XLEN and the first entry's ID time") {
  auto sp = parse_queue_spec("stream:ev");
  CHECK(first_commands(sp, now) == std::vector<Command>{{"XLEN", "ev"}, {"XRANGE", "ev", "-", "+", "COUNT", "1"}});
  auto st = interpret_first(sp, {n(3), arr({arr({s("1799999990000-0"), arr({s("f"), s("v")})})})}, now);
  CHECK(st.reading.waiting == 3);
  CHECK(st.reading.oldest_age_seconds == doctest::Approx(10.0));
  auto empty = interpret_first(sp, {n(0), arr({})}, now);
  CHECK(empty.reading.waiting == 0);
  CHECK(empty.reading.oldest_age_seconds == 0.0);
}

TEST_CASE("stream with a group: lag is waiting, pending is in flight") {
  auto sp = parse_queue_spec("stream:ev,group=g");
  CHECK(first_commands(sp, now) == std::vector<Command>{{"XINFO", "GROUPS", "ev"}});
  auto st = interpret_first(sp, {arr({group("other", 9, "0-0", 9), group("g", 2, "1799999995000-0", 4)})}, now);
  CHECK(st.reading.waiting == 4);
  CHECK(st.reading.in_flight == 2);
  REQUIRE(st.followup == std::vector<Command>{{"XRANGE", "ev", "(1799999995000-0", "+", "COUNT", "1"}});
  st.finish(st.reading, {arr({arr({s("1799999996000-0"), arr({})})})});
  CHECK(st.reading.oldest_age_seconds == doctest::Approx(4.0));

  auto idle = interpret_first(sp, {arr({group("g", 0, "1799999995000-0", 0)})}, now);
  CHECK(idle.reading.waiting == 0);
  CHECK(idle.followup.empty());
  CHECK(idle.reading.oldest_age_seconds == 0.0);
}

TEST_CASE("stream with a group: unknown is unknown, never 0") {
  auto sp = parse_queue_spec("stream:ev,group=g");
  SUBCASE("group missing") {
    auto st = interpret_first(sp, {arr({group("other", 1, "0-0", 1)})}, now);
    CHECK_FALSE(st.reading.waiting);
    CHECK_FALSE(st.reading.in_flight);
    CHECK(st.reading.waiting_unknown ==
          "consumer group g does not exist on stream ev (XGROUP CREATE it, or fix group=)");
    CHECK(st.followup.empty());
  }
  SUBCASE("stream missing") {
    auto st = interpret_first(sp, {Reply::error("ERR no such key")}, now);
    CHECK_FALSE(st.reading.waiting);
    CHECK(st.reading.waiting_unknown == "stream ev does not exist, so consumer group g cannot either");
  }
  SUBCASE("lag null (XDEL, SETID) with entries after the last delivered one") {
    auto st = interpret_first(sp, {arr({group("g", 1, "1799999995000-0", -1)})}, now);
    CHECK_FALSE(st.reading.waiting);
    CHECK(st.reading.in_flight == 1);
    CHECK(st.reading.waiting_unknown.find("cannot compute the lag of group g on stream ev") != std::string::npos);
    REQUIRE(st.followup.size() == 1);
    st.finish(st.reading, {arr({arr({s("1799999998000-0"), arr({})})})});
    CHECK_FALSE(st.reading.waiting); // still unknown: how many follow is not known
    CHECK(st.reading.oldest_age_seconds == doctest::Approx(2.0));
  }
  SUBCASE("lag null with nothing after the last delivered one: certainly 0") {
    auto st = interpret_first(sp, {arr({group("g", 1, "1799999995000-0", -1)})}, now);
    st.finish(st.reading, {arr({})});
    CHECK(st.reading.waiting == 0);
    CHECK(st.reading.waiting_unknown.empty());
    CHECK(st.reading.oldest_age_seconds == 0.0);
  }
  SUBCASE("Redis before 7: no lag field") {
    auto st = interpret_first(sp, {arr({arr({s("name"), s("g"), s("pending"), n(0), s("last-delivered-id"),
                                            s("0-0")})})},
                              now);
    CHECK_FALSE(st.reading.waiting);
    CHECK(st.reading.waiting_unknown.find("from Redis 7.0") != std::string::npos);
  }
  SUBCASE("two streams, one unknown: the sum is unknown") {
    auto two = parse_queue_spec("stream:ev,keys=a+b,group=g");
    auto st = interpret_first(two, {arr({group("g", 0, "0-0", 3)}), arr({})}, now);
    CHECK_FALSE(st.reading.waiting);
  }
  SUBCASE("wrong type") {
    CHECK_THROWS_WITH(interpret_first(sp, {wrongtype()}, now), "key ev is not a stream (layout stream, queue ev)");
  }
}

TEST_CASE("celery: every priority step's list, and the unacked hash by routing key") {
  auto c = parse_queue_spec("celery:emails,global_keyprefix=p:");
  const auto cmds = first_commands(c, now);
  REQUIRE(cmds.size() == 5);
  CHECK(cmds[0] == Command{"LLEN", "p:emails"});
  CHECK(cmds[1] == Command{"LLEN", std::string("p:emails\x06\x16") + "3"});
  CHECK(cmds[3] == Command{"LLEN", std::string("p:emails\x06\x16") + "9"});
  CHECK(cmds[4][0] == "EVAL");
  CHECK(cmds[4][3] == "p:unacked");
  CHECK(cmds[4][4] == "10000");
  // The script's answer: deliveries counted by routing key, in Redis (the decoding is
  // tested against a real server in tests/integration/queue_layouts_test.cpp).
  auto st = interpret_first(c, {n(1), n(2), n(0), n(4), arr({s("other"), n(1), s("emails"), n(2)})}, now);
  CHECK(st.reading.waiting == 7);
  CHECK(st.reading.in_flight == 2);
  CHECK_FALSE(st.reading.oldest_age_seconds);
  CHECK(interpret_first(c, {n(0), n(0), n(0), n(0), arr({s("other"), n(3)})}, now).reading.in_flight == 0);
  // Every Celery queue under one global_keyprefix sends the same script, so a reading sends it once.
  CHECK(first_commands(parse_queue_spec("celery:sms,global_keyprefix=p:"), now).back() == cmds[4]);
  auto big = interpret_first(c, {n(0), n(0), n(0), n(0), n(10'001)}, now);
  CHECK_FALSE(big.reading.in_flight);
  CHECK(big.reading.in_flight_unknown ==
        "the unacked hash p:unacked has 10001 entries, more than the 10000 graflowctl reads");
  CHECK_THROWS_WITH(interpret_first(c, {n(0), wrongtype(), n(0), n(0), arr({})}, now),
                    "key p:emails\\x06\\x163 is not a list (layout celery, queue emails)");
  CHECK_THROWS_WITH(interpret_first(c, {n(0), n(0), n(0), n(0),
                                        Reply::error("WRONGTYPE Operation against a key holding the wrong kind of "
                                                     "value script: 1234, on @user_script:1.")},
                                    now),
                    "key p:unacked is not a hash (layout celery, queue emails)");
}

TEST_CASE("rq: the queue list, started jobs not yet expired, the head job's enqueued_at") {
  auto r = parse_queue_spec("rq:default");
  CHECK(first_commands(r, now) == std::vector<Command>{{"LLEN", "rq:queue:default"},
                                                       {"ZCOUNT", "rq:wip:default", "(1800000000", "+inf"},
                                                       {"LINDEX", "rq:queue:default", "0"}});
  auto st = interpret_first(r, {n(5), n(2), s("abc")}, now);
  CHECK(st.reading.waiting == 5);
  CHECK(st.reading.in_flight == 2);
  REQUIRE(st.followup == std::vector<Command>{{"HGET", "rq:job:abc", "enqueued_at"}});
  st.finish(st.reading, {s("2027-01-15T07:59:30.500000Z")});
  CHECK(st.reading.oldest_age_seconds == doctest::Approx(29.5));
  auto gone = interpret_first(r, {n(1), n(0), s("abc")}, now);
  gone.finish(gone.reading, {Reply::nil()}); // the job hash expired: age unknown
  CHECK_FALSE(gone.reading.oldest_age_seconds);
  CHECK_THROWS_WITH(interpret_first(r, {n(1), wrongtype(), s("x")}, now),
                    "key rq:wip:default is not a sorted set (layout rq, queue default)");
}

TEST_CASE("sidekiq: queue:NAME, its oldest job at -1, busy threads of this queue") {
  auto k = parse_queue_spec("sidekiq:default");
  CHECK(first_commands(k, now) == std::vector<Command>{{"LLEN", "queue:default"},
                                                       {"LINDEX", "queue:default", "-1"},
                                                       {"SMEMBERS", "processes"}});
  auto st = interpret_first(k, {n(3), s(R"({"class":"W","enqueued_at":1799999988.25})"), arr({s("h:1:a"), s("h:2:b")})},
                            now);
  CHECK(st.reading.waiting == 3);
  CHECK(st.reading.oldest_age_seconds == doctest::Approx(11.75));
  REQUIRE(st.followup.size() == 4);
  CHECK(st.followup[0] == Command{"EXISTS", "h:1:a"});
  CHECK(st.followup[1][0] == "EVAL"); // the process's busy threads counted by queue, in Redis
  CHECK(st.followup[1][2] == "1");
  CHECK(st.followup[1][3] == "h:1:a:workers");
  CHECK(st.followup[2] == Command{"EXISTS", "h:2:b"});
  CHECK(st.followup[3][3] == "h:2:b:workers");
  st.finish(st.reading, {n(1), arr({s("default"), n(1), s("other"), n(1)}), n(0), arr({s("default"), n(1)})}); // h:2:b is dead
  CHECK(st.reading.in_flight == 1);
  auto none = interpret_first(k, {n(0), Reply::nil(), arr({})}, now);
  CHECK(none.reading.in_flight == 0);
  CHECK(none.reading.oldest_age_seconds == 0.0);
  CHECK(none.followup.empty());
  CHECK_THROWS_WITH(interpret_first(k, {n(0), Reply::nil(), wrongtype()}, now),
                    "key processes is not a set (layout sidekiq, queue default)");
}

TEST_CASE("bullmq: wait + prioritized + legacy paused; active; paused from meta; delayed not read") {
  auto b = parse_queue_spec("bullmq:video,prefix=app");
  const auto cmds = first_commands(b, now);
  for (const auto& c : cmds) {
    CHECK(c[1].find(":delayed") == std::string::npos);
  }
  CHECK(cmds[0] == Command{"LLEN", "app:video:wait"});
  CHECK(cmds[7] == Command{"HGET", "app:video:meta", "paused"});
  auto st = interpret_first(b, {n(2), s("7"), n(3), arr({s("9")}), n(0), Reply::nil(), n(1), Reply::nil()}, now);
  CHECK(st.reading.waiting == 5);
  CHECK(st.reading.in_flight == 1);
  CHECK(st.reading.paused == false);
  REQUIRE(st.followup == std::vector<Command>{{"HGET", "app:video:7", "timestamp"}, {"HGET", "app:video:9", "timestamp"}});
  st.finish(st.reading, {s("1799999990000"), s("1799999995000")});
  CHECK(st.reading.oldest_age_seconds == doctest::Approx(10.0));

  // BullMQ 5+: a paused queue keeps its jobs in wait; meta.paused = 1.
  auto paused = interpret_first(b, {n(4), s("1"), n(0), arr({}), n(0), Reply::nil(), n(0), s("1")}, now);
  CHECK(paused.reading.waiting == 4);
  CHECK(paused.reading.paused == true);
  // Older versions: a "0:<delay>" marker at the tail of wait is no job.
  auto marker = interpret_first(b, {n(1), s("0:0"), n(0), arr({}), n(0), Reply::nil(), n(0), Reply::nil()}, now);
  CHECK(marker.reading.waiting == 0);
  CHECK_THROWS_WITH(interpret_first(b, {n(0), Reply::nil(), n(0), arr({}), n(0), Reply::nil(), n(0), wrongtype()}, now),
                    "key app:video:meta is not a hash (layout bullmq, queue video)");
}

TEST_CASE("time parsing") {
  CHECK(stream_id_ms("1700000000123-7") == 1700000000123);
  CHECK_FALSE(stream_id_ms("x-1"));
  CHECK(parse_rq_time("2027-01-15T08:00:00.000001Z") == now + std::chrono::microseconds(1));
  CHECK(parse_rq_time("2027-01-15T08:00:00Z") == now);
  CHECK_FALSE(parse_rq_time("yesterday"));
}

namespace {
// Replays one batch of hand-built replies per pipeline() call and records what was sent.
class ScriptedRunner final : public CommandRunner {
public:
  explicit ScriptedRunner(std::vector<std::vector<Reply>> script) : script_(std::move(script)) {}
  std::vector<Reply> pipeline(const std::vector<Command>& commands, const char* doing) override {
    sent.push_back(commands);
    doings.emplace_back(doing);
    REQUIRE(sent.size() <= script_.size());
    return script_[sent.size() - 1];
  }
  [[nodiscard]] std::string endpoint() const override { return "redis.example:6380"; }
  std::vector<std::vector<Command>> sent;
  std::vector<std::string> doings;

private:
  std::vector<std::vector<Reply>> script_;
};

Reply status(std::string text) {
  Reply r = Reply::of(std::move(text));
  r.type = Reply::Type::status;
  return r;
}
} // namespace

TEST_CASE("read_queues: one batch, one dependent batch, and errors that name the key and the server") {
  const std::vector<QueueSpec> specs{parse_queue_spec("list:jobs"), parse_queue_spec("rq:default")};
  ScriptedRunner ok({{n(4), n(5), n(2), s("abc")}, {s("2027-01-15T07:59:30.500000Z")}});
  auto rs = read_queues(ok, specs, now);
  REQUIRE(ok.sent.size() == 2);
  CHECK(ok.sent[0].size() == 4);
  CHECK(ok.sent[1] == std::vector<Command>{{"HGET", "rq:job:abc", "enqueued_at"}});
  CHECK(ok.doings == std::vector<std::string>{"reading queues", "reading queues' head jobs and workers"});
  CHECK(rs.at(0).waiting == 4);
  CHECK(rs.at(1).waiting == 5);
  CHECK(rs.at(1).oldest_age_seconds == doctest::Approx(29.5));

  // A wrong type: that queue is unknown (every number), the others are read; one TYPE read
  // says what the key holds (a status reply), and nothing of the bad queue's phase 2 is sent.
  ScriptedRunner wrong({{n(4), n(5), wrongtype(), s("abc")}, {status("hash")}});
  const auto w = read_queues(wrong, specs, now);
  CHECK(w.at(0).waiting == 4);
  REQUIRE(w.at(1).wrong_type);
  CHECK_FALSE(w.at(1).waiting);
  CHECK_FALSE(w.at(1).in_flight);
  CHECK_FALSE(w.at(1).oldest_age_seconds);
  CHECK(w.at(1).wrong_type->key == "rq:wip:default");
  CHECK(w.at(1).wrong_type->expected == "sorted set");
  CHECK(w.at(1).wrong_type->actual == "hash");
  CHECK(w.at(1).waiting_unknown == "Redis at redis.example:6380: key rq:wip:default holds a hash, not a sorted set "
                                   "(layout rq, queue default); wrong layout or wrong prefix? The rq layout expects "
                                   "a sorted set there; check the queue name and the database in the Redis URL");
  CHECK(w.at(1).in_flight_unknown == w.at(1).waiting_unknown);
  REQUIRE(wrong.sent.size() == 2);
  CHECK(wrong.sent.back() == std::vector<Command>{{"TYPE", "rq:wip:default"}});
  CHECK(wrong.doings.back() == "reading the types of wrong-type keys");

  // A type another layout reads: the hint names the --queue that reads it.
  ScriptedRunner stream_key({{wrongtype(), n(0), n(0), Reply::nil()}, {status("stream")}});
  const auto st = read_queues(stream_key, specs, now);
  REQUIRE(st.at(0).wrong_type);
  CHECK(st.at(0).wrong_type->hint == "wrong layout or wrong prefix? The list layout expects a list there (a stream "
                                     "is read by --queue stream:jobs); check the key name (keys=) and the database "
                                     "in the Redis URL");
  CHECK(st.at(1).waiting == 0);

  // Any other error reply, in either round trip: the key, the queue, the server, Redis's words.
  ScriptedRunner noauth({{Reply::error("NOAUTH Authentication required."), n(5), n(2), s("abc")}});
  CHECK_THROWS_WITH(read_queues(noauth, specs, now), "Redis at redis.example:6380: reading key jobs (layout list, "
                                                     "queue jobs): NOAUTH Authentication required.");
  ScriptedRunner late({{n(4), n(5), n(2), s("abc")}, {Reply::error("NOPERM no HGET for you")}});
  CHECK_THROWS_WITH(read_queues(late, specs, now), "Redis at redis.example:6380: reading key rq:job:abc (layout rq, "
                                                   "queue default): NOPERM no HGET for you");
}

TEST_CASE("read_queues, celery: kombu's unacked hash read by delivery tag, each tag decoded once") {
  const std::vector<QueueSpec> specs{parse_queue_spec("celery:emails"), parse_queue_spec("celery:sms")};
  const auto steps = [](long long a) { return std::vector<Reply>{n(a), n(0), n(0), n(0)}; };
  const auto batch = [&](Reply length, Reply entries) {
    auto replies = steps(2);
    replies.push_back(std::move(length));
    replies.push_back(std::move(entries));
    for (auto& r : steps(3)) {
      replies.push_back(std::move(r));
    }
    return replies;
  };
  const auto tags = [](std::vector<std::string> names) {
    std::vector<Reply> out;
    for (auto& t : names) {
      out.push_back(s(std::move(t)));
    }
    return arr(std::move(out));
  };
  // What the decode script answers per tag: the routing key, 0 (another shape), nil (gone).
  const Reply decoded = arr({s("emails"), s("sms"), s("emails"), s("other"), n(0)});
  const std::vector<std::string> first_tags{"t1", "t2", "t3", "t4", "t5"};
  SUBCASE("without a memo: every tag decoded in Redis, once for all queues, in the second round trip") {
    ScriptedRunner two({batch(n(5), tags(first_tags)), {decoded}});
    const auto rs = read_queues(two, specs, now);
    REQUIRE(two.sent.size() == 2);
    CHECK(two.sent[0].size() == 10);
    CHECK(two.sent[0][4] == Command{"HLEN", "unacked"});
    CHECK(two.sent[0][5] == Command{"HRANDFIELD", "unacked", "1001"});
    REQUIRE(two.sent[1].size() == 1);
    const Command& decode = two.sent[1][0];
    REQUIRE(decode.size() == 9);
    CHECK(decode[0] == "EVAL");
    CHECK(decode[2] == "1");
    CHECK(decode[3] == "unacked");
    CHECK(std::vector<std::string>(decode.begin() + 4, decode.end()) == first_tags);
    CHECK(rs.at(0).waiting == 2);
    CHECK(rs.at(0).in_flight == 2);
    CHECK(rs.at(1).waiting == 3);
    CHECK(rs.at(1).in_flight == 1);
  }
  SUBCASE("with a memo: a tag seen before is not decoded again, a tag gone is forgotten") {
    ReadMemo memo;
    ScriptedRunner first({batch(n(5), tags(first_tags)), {decoded}});
    (void)read_queues(first, specs, now, &memo);
    CHECK(memo.unacked.at("").size() == 5);

    // The same tags: one round trip, the same counts.
    ScriptedRunner same({batch(n(5), tags(first_tags))});
    auto rs = read_queues(same, specs, now, &memo);
    CHECK(same.sent.size() == 1);
    CHECK(rs.at(0).in_flight == 2);
    CHECK(rs.at(1).in_flight == 1);

    // t1 acknowledged, t6 delivered (to sms), t7 delivered and acknowledged before it was read.
    ScriptedRunner next({batch(n(6), tags({"t2", "t3", "t4", "t5", "t6", "t7"})), {arr({s("sms"), Reply::nil()})}});
    rs = read_queues(next, specs, now, &memo);
    REQUIRE(next.sent.size() == 2);
    CHECK(next.sent[1][0] == Command{next.sent[1][0][0], next.sent[1][0][1], "1", "unacked", "t6", "t7"});
    CHECK(rs.at(0).in_flight == 1);
    CHECK(rs.at(1).in_flight == 2);
    CHECK(memo.unacked.at("").size() == 5); // t2..t6: t1 and t7 are gone
    CHECK(memo.unacked.at("").count("t1") == 0);
    CHECK(memo.unacked.at("").at("t5") == std::nullopt); // known, and not counted

    // A decode that fails (unavailable, an error) teaches the memo nothing.
    ScriptedRunner broken({batch(n(6), tags({"t2", "t8"})), {Reply::error("NOSCRIPT no")}});
    CHECK_THROWS(read_queues(broken, specs, now, &memo));
    ScriptedRunner again({batch(n(6), tags({"t2", "t8"})), {arr({s("emails")})}});
    rs = read_queues(again, specs, now, &memo);
    REQUIRE(again.sent.size() == 2);
    CHECK(again.sent[1][0].back() == "t8");
    CHECK(rs.at(0).in_flight == 1);
    CHECK(rs.at(1).in_flight == 1);
  }
  SUBCASE("a decode reply of the wrong size is an error, not a count") {
    ScriptedRunner odd({batch(n(5), tags(first_tags)), {arr({s("emails")})}});
    CHECK_THROWS_WITH(read_queues(odd, specs, now),
                      doctest::Contains("reading the unacked hash unacked: 1 routing keys for 5 delivery tags"));
  }
  SUBCASE("HRANDFIELD refused (before Redis 6.2, an ACL): the in-Redis count, one more round trip") {
    ScriptedRunner old({batch(n(4), Reply::error("ERR unknown command 'HRANDFIELD'")),
                        {arr({s("emails"), n(2), s("sms"), n(1)})}});
    const auto rs = read_queues(old, specs, now);
    REQUIRE(old.sent.size() == 2);
    REQUIRE(old.sent[1].size() == 1); // the same script for both queues: sent once
    CHECK(old.sent[1][0] == first_commands(specs[0], now).back());
    CHECK(rs.at(0).in_flight == 2);
    CHECK(rs.at(1).in_flight == 1);
  }
  std::vector<Reply> many; // what HRANDFIELD 1001 returns from a bigger hash
  for (int i = 0; i <= 1'000; ++i) {
    many.push_back(s("t" + std::to_string(i)));
  }
  SUBCASE("above the tag limit: counted in Redis, one more round trip, only the counts travel") {
    ScriptedRunner big({batch(n(1'500), arr(many)), {arr({s("emails"), n(1'400), s("sms"), n(100)})}});
    const auto rs = read_queues(big, specs, now);
    REQUIRE(big.sent.size() == 2);
    REQUIRE(big.sent[1].size() == 1);
    CHECK(big.sent[1][0] == first_commands(specs[0], now).back());
    CHECK(rs.at(0).in_flight == 1'400);
    CHECK(rs.at(1).in_flight == 100);
  }
  SUBCASE("above the limit: in flight unknown, with the count") {
    ScriptedRunner big({batch(n(10'003), arr(many)), {n(10'003)}});
    const auto rs = read_queues(big, specs, now);
    CHECK(rs.at(0).waiting == 2);
    CHECK_FALSE(rs.at(0).in_flight);
    CHECK(rs.at(0).in_flight_unknown ==
          "the unacked hash unacked has 10003 entries, more than the 10000 graflowctl reads");
  }
  SUBCASE("a wrong-type unacked hash: both queues unknown, named as before") {
    ScriptedRunner wrong({batch(wrongtype(), wrongtype()), {status("string"), status("string")}});
    const auto rs = read_queues(wrong, specs, now);
    for (const auto& r : rs) {
      REQUIRE(r.wrong_type);
      CHECK(r.wrong_type->message.rfind("key unacked holds a string, not a hash (layout celery, queue ", 0) == 0);
      CHECK_FALSE(r.in_flight);
    }
  }
}

TEST_CASE("read_queues, sidekiq: a head job's enqueued_at is read once while it stays at the head") {
  const std::vector<QueueSpec> specs{parse_queue_spec("sidekiq:a"), parse_queue_spec("sidekiq:b")};
  const double t = 1'799'999'990.0; // 10 s before `now`
  const auto job = [](double at) { return s(fmt::format(R"({{"class":"J","enqueued_at":{}}})", at)); };
  const auto replies = [&](Reply head_a, Reply head_b) {
    return std::vector<std::vector<Reply>>{{n(2), std::move(head_a), arr({}), n(1), std::move(head_b), arr({})}};
  };
  ReadMemo memo;
  ScriptedRunner first(replies(job(t), job(t + 4)));
  auto rs = read_queues(first, specs, now, &memo);
  CHECK(rs.at(0).oldest_age_seconds == doctest::Approx(10.0));
  CHECK(rs.at(1).oldest_age_seconds == doctest::Approx(6.0));
  CHECK(memo.head_times.size() == 2);

  // Later, the same heads: the same times, read from the memo; the ages move with `now`.
  ScriptedRunner same(replies(job(t), job(t + 4)));
  rs = read_queues(same, specs, now + std::chrono::seconds(5), &memo);
  CHECK(rs.at(0).oldest_age_seconds == doctest::Approx(15.0));
  CHECK(rs.at(1).oldest_age_seconds == doctest::Approx(11.0));

  // b's head was taken: its new head is read, the old one forgotten; a's empty queue is 0 s.
  ScriptedRunner next(replies(Reply::nil(), job(t + 8)));
  rs = read_queues(next, specs, now + std::chrono::seconds(5), &memo);
  CHECK(rs.at(0).oldest_age_seconds == 0.0);
  CHECK(rs.at(1).oldest_age_seconds == doctest::Approx(7.0));
  CHECK(memo.head_times.size() == 1);
  CHECK(memo.head_times.begin()->second == doctest::Approx(t + 8));
}
