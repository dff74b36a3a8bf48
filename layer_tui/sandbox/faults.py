"""Misbehaviour the sandbox can be asked for at runtime: latency, denial, throttling.

Real AWS is slow, sometimes refuses, and throttles the control plane at about 15 requests/s per
account and region. moto does none of that, so without these knobs nothing in the app's retry,
limiter or per-region error handling would ever run against the sandbox.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Faults:
    """What the sandbox does to requests; change any field between calls (tests do)."""

    #: Seconds added to every AWS API call (not to content downloads).
    latency: float = 0.0
    #: Seconds added before the first byte of every content download.
    content_latency: float = 0.0
    #: Regions where every call (but STS's, which needs no permission) is denied.
    access_denied_regions: set[str] = field(default_factory=set)
    #: Requests per second allowed per (account, region); ``None`` lets everything through.
    rate_limit: float | None = None
    #: Token-bucket depth; ``None`` means one second's worth of ``rate_limit``.
    rate_burst: int | None = None
    #: Fraction (0..1) of API calls answered with a throttle regardless of rate.
    throttle_fraction: float = 0.0
    #: Seed for ``throttle_fraction``'s coin, so a failing test fails the same way again.
    throttle_seed: int = 0
    #: Behave like a server that ignores ``Range``: always 200 and the whole body.
    ignore_range: bool = False


class TokenBucket:
    """The classic limiter: ``rate`` tokens a second, at most ``depth`` banked."""

    def __init__(self, rate: float, depth: float) -> None:
        self.rate = rate
        self.depth = depth
        self._tokens = depth
        self._stamp = time.monotonic()

    def take(self, now: float) -> bool:
        self._tokens = min(self.depth, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False


class Throttle:
    """Decides, thread-safely, whether one call is throttled under the current ``Faults``."""

    def __init__(self, faults_source: Callable[[], Faults]) -> None:
        self._faults_source = faults_source
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._coin_seed: int | None = None
        self._coin = random.Random(0)

    def should_throttle(self, account_id: str, region: str) -> bool:
        faults = self._faults_source()
        with self._lock:
            if faults.throttle_fraction > 0.0:
                if self._coin_seed != faults.throttle_seed:
                    self._coin_seed = faults.throttle_seed
                    self._coin = random.Random(faults.throttle_seed)
                if self._coin.random() < faults.throttle_fraction:
                    return True
            if faults.rate_limit is None:
                return False
            depth = float(faults.rate_burst or max(1.0, faults.rate_limit))
            bucket = self._buckets.get((account_id, region))
            if bucket is None or bucket.rate != faults.rate_limit or bucket.depth != depth:
                bucket = TokenBucket(faults.rate_limit, depth)
                self._buckets[(account_id, region)] = bucket
            return not bucket.take(time.monotonic())

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
            self._coin_seed = None
