# shellcheck shell=bash
# Fills one Redis with queues of four framework layouts, written directly (EVAL) in each
# framework's own key schema, as lib/graflow/queues/layouts_frameworks.cpp and
# layouts_stream.cpp read them (DESIGN.md §5b). Sourced by modes.sh, after lib.sh.
#
#   celery   cN   kombu's lists cN, cN\x06\x163, \x06\x166, \x06\x169 (LPUSHed messages in
#                 kombu's JSON envelope, priority steps 0,3,6,9) and CELERY_UNACKED (2)
#                 deliveries per queue in the shared `unacked` hash (+ unacked_index), as
#                 kombu's QoS.append stores them: [message, exchange, routing_key]
#   sidekiq  sN   queue:sN (LPUSHed job JSON with enqueued_at, oldest at -1), `queues`, and
#                 SIDEKIQ_PROCESSES (2) processes in `processes`, each a hash (info, busy,
#                 beat...) and a :workers hash of SIDEKIQ_BUSY (5) busy threads across the
#                 queues. No TTL on the process hashes: a live Sidekiq refreshes them every
#                 5 s, and nothing beats here.
#   bullmq   bN   bull:bN:wait (LPUSHed ids, oldest at -1), :prioritized (score priority *
#                 2^32 + counter), :active, :meta (no paused field), :id, :pc, :events, and
#                 a job hash bull:bN:<id> (name, data, opts, timestamp ms...) per job
#   stream   xN   stream xN with entries one second apart (explicit IDs, so the oldest age
#                 is real), consumer group `workers`: some delivered (pending), some acked
#                 (lag = the rest)
# Queue N of each layout has a few more entries than queue N-1, and every waiting job is
# minutes old, so the oldest-age reads find something.

CELERY_UNACKED=${CELERY_UNACKED:-2}
SIDEKIQ_PROCESSES=${SIDEKIQ_PROCESSES:-2}
SIDEKIQ_BUSY=${SIDEKIQ_BUSY:-5}

# ARGV: queue, now (s), unacked deliveries, the message count of each step 0, 3, 6, 9, and
# a number unique to the queue (the IDs must not repeat across calls, whatever Lua's seed).
celery_lua='
local q, now, unacked, salt = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[8])
local steps = {0, 3, 6, 9}
local n = 0
local function uuid()
  n = n + 1
  return string.format("%08x-%04x-4%03x-a%03x-%06x%06x", math.random(0, 0x7fffffff), math.random(0, 0xffff),
    math.random(0, 0xfff), math.random(0, 0xfff), salt, n)
end
local function message(priority)
  local id = uuid()
  return {
    body = "W1s0Ml0sIHt9LCB7ImNhbGxiYWNrcyI6IG51bGwsICJlcnJiYWNrcyI6IG51bGwsICJjaGFpbiI6IG51bGwsICJjaG9yZCI6IG51bGx9XQ==",
    ["content-encoding"] = "utf-8", ["content-type"] = "application/json",
    headers = {lang = "py", task = "tasks.resize_image", id = id, shadow = cjson.null, eta = cjson.null,
      expires = cjson.null, group = cjson.null, group_index = cjson.null, retries = 0,
      timelimit = {cjson.null, cjson.null}, root_id = id, parent_id = cjson.null, argsrepr = "[42]",
      kwargsrepr = "{}", origin = "gen7@web-5c9d8", ignore_result = false},
    properties = {correlation_id = id, reply_to = uuid(), delivery_mode = 2,
      delivery_info = {exchange = "", routing_key = q}, priority = priority, body_encoding = "base64",
      delivery_tag = uuid()}}
end
for s = 1, 4 do
  local key = q
  if steps[s] > 0 then key = q .. "\6\22" .. steps[s] end
  for _ = 1, tonumber(ARGV[3 + s]) do redis.call("LPUSH", key, cjson.encode(message(steps[s]))) end
end
for _ = 1, unacked do
  local m = message(0)
  local tag = m.properties.delivery_tag
  redis.call("HSET", "unacked", tag, cjson.encode({m, "", q}))
  redis.call("ZADD", "unacked_index", now, tag)
end'

# ARGV: queue, now (s), jobs. Each job enqueued 2 s after the one before.
sidekiq_lua='
local q, now, count = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call("SADD", "queues", q)
for i = 1, count do
  local t = now - (count - i + 1) * 2
  redis.call("LPUSH", "queue:" .. q, cjson.encode({retry = true, queue = q, class = "ImageResizeJob",
    args = {i, "thumb"}, jid = string.format("%012x%012x", math.random(0, 0x7fffffff), math.random(0, 0x7fffffff)),
    created_at = t, enqueued_at = t}))
end'

# ARGV: processes, busy threads per process, now (s), number of queues s0..s<n-1>.
sidekiq_processes_lua='
local procs, busy, now, nq = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local queues = {}
for i = 0, nq - 1 do queues[#queues + 1] = "s" .. i end
local k = 0
for p = 1, procs do
  local id = string.format("worker-%d:%d:%012x", p, 100 + p, math.random(0, 0x7fffffff))
  redis.call("SADD", "processes", id)
  redis.call("HSET", id, "info", cjson.encode({hostname = "worker-" .. p, started_at = now - 3600, pid = 100 + p,
    tag = "app", concurrency = 10, queues = queues, identity = id, version = "6.4.0"}),
    "busy", busy, "beat", now, "quiet", "false", "rss", 123456, "rtt_us", 250)
  for t = 1, busy do
    local q = queues[k % nq + 1]
    k = k + 1
    redis.call("HSET", id .. ":workers", string.format("tid-%d-%d", p, t), cjson.encode({queue = q,
      payload = {retry = true, queue = q, class = "ImageResizeJob", args = {t, "thumb"},
        jid = string.format("%012x%012x", math.random(0, 0x7fffffff), math.random(0, 0x7fffffff)),
        created_at = now - 40, enqueued_at = now - 40}, run_at = math.floor(now) - 10}))
  end
end'

# ARGV: queue, now (ms), waiting, prioritized, active. Jobs one second apart, oldest first.
bullmq_lua='
local q, now, w, pr, act = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local base = "bull:" .. q
redis.call("HSET", base .. ":meta", "opts.maxLenEvents", 10000, "version", "bullmq:5.12.0")
local total, n = w + pr + act, 0
local function job(priority)
  n = n + 1
  local id = redis.call("INCR", base .. ":id")
  redis.call("HSET", base .. ":" .. id, "name", "render",
    "data", cjson.encode({video = "v" .. id .. ".mp4", preset = "720p"}),
    "opts", cjson.encode({attempts = 3, backoff = {type = "exponential", delay = 1000}, removeOnComplete = true}),
    "timestamp", string.format("%d", now - (total - n + 1) * 1000), "delay", 0, "priority", priority)
  redis.call("XADD", base .. ":events", "MAXLEN", "~", 10000, "*", "event", "added", "jobId", id, "name", "render")
  return id
end
for _ = 1, act do
  local id = job(0)
  redis.call("LPUSH", base .. ":active", id)
  redis.call("HSET", base .. ":" .. id, "processedOn", string.format("%d", now - 500), "atm", 1)
end
for _ = 1, w do redis.call("LPUSH", base .. ":wait", job(0)) end
for _ = 1, pr do
  local id = job(5)
  redis.call("ZADD", base .. ":prioritized", 5 * 4294967296 + redis.call("INCR", base .. ":pc"), id)
end'

# ARGV: stream, now (ms), entries, delivered, acked.
stream_lua='
local q, now, e, d, a = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
for i = 1, e do
  redis.call("XADD", q, string.format("%d-0", now - (e - i + 1) * 1000), "job", "render", "video", "v" .. i .. ".mp4")
end
redis.call("XGROUP", "CREATE", q, "workers", "0")
local got = redis.call("XREADGROUP", "GROUP", "workers", "worker-1", "COUNT", d, "STREAMS", q, ">")
for i = 1, a do redis.call("XACK", q, "workers", got[1][2][i][1]) end'

# fill_layouts PORT N: N queues of each layout (ids c0.., s0.., b0.., x0..); sets
# $layout_flags to the matching --queue flags.
fill_layouts() {
  local port=$1 n=$2 i now now_ms
  now=$(date +%s.%N)
  now_ms=$(date +%s%3N)
  layout_flags=()
  for i in $(seq 0 $((n - 1))); do
    fill "$port" "$celery_lua" 0 "c$i" "$now" "$CELERY_UNACKED" $((10 + i)) $((4 + i % 4)) $((2 + i % 3)) $((i % 2)) "$i"
    fill "$port" "$sidekiq_lua" 0 "s$i" "$now" $((10 + i))
    fill "$port" "$bullmq_lua" 0 "b$i" "$now_ms" $((10 + i)) $((2 + i % 5)) $((1 + i % 3))
    fill "$port" "$stream_lua" 0 "x$i" "$now_ms" $((20 + i)) $((8 + i % 5)) $((5 + i % 3))
    layout_flags+=(--queue "celery:c$i" --queue "sidekiq:s$i" --queue "bullmq:b$i" --queue "stream:x$i,group=workers")
  done
  fill "$port" "$sidekiq_processes_lua" 0 "$SIDEKIQ_PROCESSES" "$SIDEKIQ_BUSY" "$now" "$n"
}
