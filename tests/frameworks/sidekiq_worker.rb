# The job class for sidekiq_queue.rb and for a real `sidekiq -r` process in the tests:
# it sleeps, so the process stays busy with it.
require "sidekiq"

class SleepJob
  include Sidekiq::Worker

  def perform(seconds)
    sleep seconds
  end
end
