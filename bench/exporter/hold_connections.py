#!/usr/bin/env python3
"""Holds idle and slow-header (slow-loris) connections to an HTTP server until killed.

    hold_connections.py HOST PORT [--idle 1000] [--slow 200] [--interval 0.1]

Idle connections send nothing; slow ones send a request line and headers that never end,
one byte per connection every --interval seconds. A connection the server closes is
reopened, so the load stays constant. Prints "holding N" to stdout once all are open.
"""
import argparse
import resource
import socket
import sys
import time

TRICKLE = b"GET /metrics HTTP/1.1\r\nHost: bench\r\nX-Slow: "


def connect(host, port):
    s = socket.create_connection((host, port), timeout=5)
    s.setblocking(False)
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--idle", type=int, default=1000)
    ap.add_argument("--slow", type=int, default=200)
    ap.add_argument("--interval", type=float, default=0.1)
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    idle = [connect(a.host, a.port) for _ in range(a.idle)]
    slow = [[connect(a.host, a.port), 0] for _ in range(a.slow)]
    print(f"holding {len(idle) + len(slow)}", flush=True)
    reopened = 0
    while True:
        for entry in slow:
            sock, at = entry
            byte = TRICKLE[at:at + 1] or b"x"
            try:
                sock.send(byte)
                entry[1] = at + 1
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                sock.close()
                entry[0], entry[1] = connect(a.host, a.port), 0
                reopened += 1
        for i, sock in enumerate(idle):
            # A closed idle connection reads as EOF (or an error): reopen it.
            try:
                if sock.recv(1, socket.MSG_PEEK) == b"":
                    raise OSError
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                pass
            sock.close()
            idle[i] = connect(a.host, a.port)
            reopened += 1
        if reopened:
            print(f"reopened {reopened}", file=sys.stderr, flush=True)
            reopened = 0
        time.sleep(a.interval)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
