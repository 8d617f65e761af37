#!/usr/bin/ruby
# Drives a real Sidekiq 6.4 for graflowctl's layout tests.
#
# usage: sidekiq_queue.rb REDIS_URL QUEUE ACTION [ARGS]
#   push N [SECONDS]   push N SleepJob jobs (each sleeps SECONDS when run, default 60)
#   counts             only print
# Prints Sidekiq's own view as JSON: {"size": Sidekiq::Queue#size, "latency":
# Sidekiq::Queue#latency, "busy": the WorkSet entries working this queue, "busy_all":
# Sidekiq::Workers#size (the processes' busy counts)}.
require "json"
require "sidekiq"
require "sidekiq/api"
require_relative "sidekiq_worker"
Redis.silence_deprecations = true if Redis.respond_to?(:silence_deprecations=)

url, queue, action, *args = ARGV
Sidekiq.configure_client { |config| config.redis = {url: url} }
Sidekiq.logger.level = Logger::WARN

case action
when "push"
  seconds = (args[1] || "60").to_f
  args[0].to_i.times { Sidekiq::Client.push("class" => SleepJob, "queue" => queue, "args" => [seconds]) }
when "counts"
else
  warn "unknown action #{action}"
  exit 2
end

q = Sidekiq::Queue.new(queue)
busy = 0
Sidekiq::Workers.new.each { |_process, _thread, work| busy += 1 if work["queue"] == queue }
puts JSON.generate({size: q.size, latency: q.latency, busy: busy, busy_all: Sidekiq::Workers.new.size})
