#!/usr/bin/env python3
"""The probe of benches/soak.sh around the Redis outage.

Every INTERVAL seconds, on a fresh connection each, from two threads (so
that a slow answer to one does not delay the other), two requests that
need Redis:

- ``limit``: ``GET /`` from a client of its own (50 a second, under its
  limit of 100): the Redis rate limiter answers with ``X-RateLimit-Limit``;
  with Redis down, ``on_backend_error = "allow"`` lets it through (200)
  without the header.
- ``session``: ``GET /me`` with the token, the API key and the session
  cookie: 200 with Redis, 503 without (the session store never serves an
  empty session).

Writes one line per request: wall-clock time (s, epoch), kind, status,
whether ``X-RateLimit-Limit`` was there, latency (ms). Stops when the file
STOP exists.

usage: probe.py HOST PORT TOKEN COOKIE API_KEY OUT STOP
"""

import http.client
import os
import sys
import threading
import time

INTERVAL = 0.02


def probe(host, port, headers):
    started = time.time()
    try:
        connection = http.client.HTTPConnection(host, port, timeout=2)
        path = "/me" if "Authorization" in headers else "/"
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        limited = response.getheader("x-ratelimit-limit") is not None
        status = response.status
        connection.close()
    except OSError as error:
        status, limited = f"error:{type(error).__name__}", False
    return started, status, limited, (time.time() - started) * 1000


def main():
    host, port, token, cookie, api_key, out, stop = sys.argv[1:8]
    common = {"Host": "localhost", "X-Forwarded-Proto": "https"}
    kinds = {
        "limit": {**common, "X-Forwarded-For": "192.0.2.200"},
        "session": {
            **common,
            "X-Forwarded-For": "192.0.2.201",
            "Authorization": f"Bearer {token}",
            "X-API-Key": api_key,
            "Cookie": cookie,
        },
    }
    lock = threading.Lock()
    with open(out, "w", encoding="utf-8") as log:

        def run(kind, headers):
            while not os.path.exists(stop):
                tick = time.time()
                at, status, limited, latency = probe(host, int(port), headers)
                with lock:
                    log.write(f"{at:.6f} {kind} {status} {int(limited)} {latency:.1f}\n")
                time.sleep(max(0.0, INTERVAL - (time.time() - tick)))

        threads = [threading.Thread(target=run, args=item) for item in kinds.items()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

if __name__ == "__main__":
    main()
