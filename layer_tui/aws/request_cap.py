"""A process-wide cap on requests in flight: many accounts x regions, one process's sockets.

Rate limits are AWS's, per account and region (``session.limiter_for``); this cap is ours: with
50 accounts of 4 regions each scanning at once, it keeps the number of requests waiting on the
network (threads, sockets, buffers) bounded while every region still progresses.
"""

from __future__ import annotations

import threading
from typing import Any

#: Requests in flight at once, over every session and thread of the process. Sized so that 50
#: accounts x 4 regions all progress together: each region's ListFunctions chain (the critical
#: path) keeps one request in flight, and the layer chain a few more at the rate limiter's
#: pace (12/s at 100 ms a call is about one more). 256 leaves room for both, and keeps sockets
#: and threads waiting on the network well under what one process handles.
DEFAULT_REQUEST_CAP = 256


class RequestCap:
    """At most ``limit`` HTTP attempts in flight at once, process-wide.

    Taken on botocore's ``before-send`` (after the rate limiter's token: waiting for a token
    holds no place) and given back on ``needs-retry``, which botocore emits after every
    attempt, answered or failed. A thread holds at most one place: should an attempt end
    without ``needs-retry`` (an exception botocore does not catch), the thread's next attempt
    reuses its place instead of taking a second, so nothing leaks for good.
    """

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self._places = threading.BoundedSemaphore(limit)
        self._held = threading.local()
        self._count_lock = threading.Lock()
        self.in_flight = 0
        self.peak = 0

    def take(self, **_: Any) -> None:
        if getattr(self._held, "place", False):
            return
        self._places.acquire()
        self._held.place = True
        with self._count_lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)

    def give_back(self, **_: Any) -> None:
        if not getattr(self._held, "place", False):
            return
        self._held.place = False
        with self._count_lock:
            self.in_flight -= 1
        self._places.release()


_request_cap = RequestCap(DEFAULT_REQUEST_CAP)


def request_cap() -> RequestCap:
    """The process-wide cap every client's requests go through."""
    return _request_cap


def set_request_cap(limit: int) -> RequestCap:
    """A new process-wide cap for clients made from now on (benchmarks, tests)."""
    global _request_cap
    _request_cap = RequestCap(limit)
    return _request_cap
