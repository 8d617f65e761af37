#!/usr/bin/python3
"""Drives a real RQ 1.13 queue for graflowctl's layout tests.

usage: rq_queue.py REDIS_URL QUEUE ACTION [ARGS]
  enqueue N           enqueue N jobs (time.sleep, never run)
  start N             dequeue N jobs and start them as a worker does (prepare_job_execution:
                      the job goes to the StartedJobRegistry, rq:wip:QUEUE)
  finish N            remove N started jobs from the registry, as a worker does when done
  counts              only print
Prints RQ's own view: {"count": Queue.count, "started": StartedJobRegistry.count,
"oldest_enqueued_at": enqueued_at of the queue's first job (epoch seconds) or null}.
"""
import calendar
import json
import sys

from redis import Redis
from rq import Queue, Worker
from rq.registry import StartedJobRegistry


def main(argv):
    url, name, action = argv[1], argv[2], argv[3]
    redis = Redis.from_url(url)
    queue = Queue(name, connection=redis)
    registry = StartedJobRegistry(queue=queue)
    if action == "enqueue":
        for i in range(int(argv[4])):
            queue.enqueue("time.sleep", i)
    elif action == "start":
        worker = Worker([queue], connection=redis, name="graflow-test-worker")
        for _ in range(int(argv[4])):
            got = Queue.dequeue_any([queue], None, connection=redis)
            if got is None:
                break
            job, _ = got
            worker.prepare_job_execution(job)
    elif action == "finish":
        for job_id in registry.get_job_ids()[: int(argv[4])]:
            registry.remove(job_id)
    jobs = queue.get_jobs(0, 0)
    oldest = None
    if jobs and jobs[0].enqueued_at is not None:
        oldest = calendar.timegm(jobs[0].enqueued_at.utctimetuple()) + jobs[0].enqueued_at.microsecond / 1e6
    print(json.dumps({"count": queue.count, "started": registry.count, "oldest_enqueued_at": oldest}), flush=True)


if __name__ == "__main__":
    main(sys.argv)
