#!/usr/bin/python3
"""Drives a real Celery 5.2 / kombu 5.2 Redis broker for graflowctl's layout tests.

usage: celery_queue.py REDIS_URL QUEUE [--global-keyprefix P] ACTION [ARGS]
  send N [PRIORITY]   send N tasks to QUEUE (app.send_task, optional priority 0..9)
  take N              take N messages without acknowledging them (as a worker that died
                      mid-task: they stay in kombu's unacked hash)
  counts              print nothing more than the counts
Every action prints the broker's own view as JSON: {"waiting": <kombu's Channel._size,
the LLEN sum over every priority step that queue_declare reports>, "unacked_total": <HLEN of
kombu's unacked hash>, "taken": <messages taken now>}.
"""
import json
import os
import sys

from celery import Celery


def main(argv):
    url, queue = argv[1], argv[2]
    rest = argv[3:]
    options = {}
    if rest and rest[0] == "--global-keyprefix":
        options["global_keyprefix"] = rest[1]
        rest = rest[2:]
    app = Celery("graflow_test", broker=url)
    app.conf.broker_transport_options = options
    action = rest[0]
    taken = 0
    with app.connection_for_write() as conn:
        channel = conn.default_channel
        if action == "send":
            count = int(rest[1])
            priority = int(rest[2]) if len(rest) > 2 else None
            for i in range(count):
                app.send_task("graflow.noop", args=[i], queue=queue, priority=priority, connection=conn)
        elif action == "take":
            for _ in range(int(rest[1])):
                if channel.basic_get(queue, no_ack=False) is not None:
                    taken += 1
        # kombu's own count (what queue_declare reports); queue_declare itself cannot be
        # used with global_keyprefix in kombu 5.2.4, whose EXISTS check is not prefixed.
        result = {
            "waiting": channel._size(queue),
            # HLEN is not among the commands kombu's client prefixes: add it here.
            "unacked_total": channel.client.hlen(options.get("global_keyprefix", "") + channel.unacked_key),
            "taken": taken,
        }
        print(json.dumps(result), flush=True)
        if action == "take":
            # Leave without kombu's restore-at-shutdown (closing the connection would put
            # the messages back), like a worker killed mid-task.
            os._exit(0)


if __name__ == "__main__":
    main(sys.argv)
