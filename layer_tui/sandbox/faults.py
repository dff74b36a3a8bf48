"""Misbehaviour the sandbox can be asked for at runtime: latency, denial, throttling, broken
connections, a silent endpoint, content URLs expiring.

Real AWS is slow, sometimes refuses, and throttles the control plane at about 15 requests/s per
account and region; networks drop connections and endpoints stop answering; presigned content
URLs expire after 10 minutes. moto does none of that, so without these knobs nothing in the
app's retry, limiter, timeout or per-region error handling would ever run against the sandbox.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal


class DroppedConnection(ConnectionResetError):
    """Raised by the gateway so that the server drops the connection without any response."""


class _Countdown:
    """Counts matching requests, thread-safely: the first ``skip`` pass, the next ``times`` are
    hit (``None``: all the rest)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.hits = 0
        self._matched = 0

    def take(self, skip: int, times: int | None) -> bool:
        with self._lock:
            self._matched += 1
            hit = self._matched > skip and (times is None or self.hits < times)
            if hit:
                self.hits += 1
            return hit


ConnectionFaultKind = Literal["reset", "stall"]


@dataclass(eq=False)
class ConnectionFault:
    """A network failure aimed at chosen API calls, counted so a test can prove it happened.

    ``"reset"``: the server drops the TCP connection (a reset) without sending a byte of
    response, as a crashing endpoint or a middlebox does; botocore raises ConnectionClosedError
    and its retries send the call again. ``"stall"``: the endpoint takes the request and says
    nothing for ``stall_seconds``, then answers; only the client's read timeout ends the wait
    sooner (a stopping sandbox cuts the stall short and drops the connection).

    A call matches when its ``operation`` (``"ListFunctions"``) and ``region`` equal these,
    ``None`` matching any (STS's identity call included); of the matching calls the first
    ``skip`` pass untouched and the next ``times`` are hit (``None``: every one after).
    """

    kind: ConnectionFaultKind
    operation: str | None = None
    region: str | None = None
    skip: int = 0
    times: int | None = 1
    stall_seconds: float = 30.0

    def __post_init__(self) -> None:
        self._countdown = _Countdown()

    @property
    def hits(self) -> int:
        """How many calls this fault has hit so far."""
        return self._countdown.hits

    def strikes(self, region: str, operation: str) -> bool:
        """Whether this call is hit (and counts it if it matches)."""
        if self.operation not in (None, operation) or self.region not in (None, region):
            return False
        return self._countdown.take(self.skip, self.times)


@dataclass(eq=False)
class CallHold:
    """Matching API calls wait, unanswered, until the test calls ``release``.

    A slow ListFunctions on a big account, made a condition instead of a clock: a test holds
    the live read a dialog started, does what should happen "during" it (press keys, attach a
    function), then releases it; moto answers from the state at release. ``held`` counts the
    calls that arrived (``wait_until_held`` waits for the first); a stopping sandbox ends every
    hold by dropping its connection. Matching as ``ConnectionFault`` (``None`` matches any).
    """

    operation: str | None = None
    region: str | None = None

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._arrived = threading.Event()
        self._released = threading.Event()
        self.held = 0

    def wait_until_held(self, timeout: float = 10.0) -> bool:
        return self._arrived.wait(timeout)

    def release(self) -> None:
        self._released.set()

    def hold(self, region: str, operation: str, closing: threading.Event) -> None:
        """Blocks a matching call until released (or the sandbox stops: then it is dropped)."""
        if self.operation not in (None, operation) or self.region not in (None, region):
            return
        if self._released.is_set():
            return
        with self._lock:
            self.held += 1
        self._arrived.set()
        while not self._released.wait(0.02):
            if closing.is_set():
                raise DroppedConnection(f"held: {operation} in {region}")


@dataclass(eq=False)
class ContentUrlExpiry:
    """Every content URL handed out so far expires when content request ``after + 1`` arrives.

    That request and any later one with an old URL get S3's 403 "Request has expired", as
    AWS's URLs do 10 minutes after GetLayerVersion under a contents view left open; URLs from
    later GetLayerVersion calls work. Fires once (``fired`` says whether it has).
    """

    after: int = 0

    def __post_init__(self) -> None:
        self._countdown = _Countdown()

    @property
    def fired(self) -> bool:
        return self._countdown.hits > 0

    def strikes(self) -> bool:
        """Whether the content request arriving now is the one at which URLs expire."""
        return self._countdown.take(self.after, 1)


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
    #: How the coin is tossed: ``"sequence"`` draws from one seeded stream in arrival order,
    #: which concurrent clients interleave differently on every run; ``"request"`` hashes the
    #: seed with the request and its attempt number, so the same attempts are throttled on
    #: every run whatever the threads do.
    throttle_coin: Literal["sequence", "request"] = "sequence"
    #: Behave like a server that ignores ``Range``: always 200 and the whole body.
    ignore_range: bool = False
    #: Network failures aimed at chosen API calls (dropped connections, a silent endpoint).
    connection_faults: list[ConnectionFault] = field(default_factory=list)
    #: Makes every content URL handed out so far expire at a chosen content request.
    content_url_expiry: ContentUrlExpiry | None = None
    #: Calls held unanswered until the test releases them (a slow ListFunctions, on demand).
    held_calls: list[CallHold] = field(default_factory=list)
    #: Layer names whose content downloads arrive with one byte changed (a proxy or a disk
    #: that alters bytes): the size is CodeSize, the SHA-256 is not CodeSha256's.
    wrong_content_layers: set[str] = field(default_factory=set)


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

    def should_throttle(self, account_id: str, region: str, attempt: str = "") -> bool:
        """``attempt`` names this attempt of this request (for ``throttle_coin="request"``)."""
        faults = self._faults_source()
        with self._lock:
            if faults.throttle_fraction > 0.0:
                if faults.throttle_coin == "request":
                    digest = hashlib.sha256(f"{faults.throttle_seed}\n{attempt}".encode()).digest()
                    toss = int.from_bytes(digest[:8], "big") / 2**64
                else:
                    if self._coin_seed != faults.throttle_seed:
                        self._coin_seed = faults.throttle_seed
                        self._coin = random.Random(faults.throttle_seed)
                    toss = self._coin.random()
                if toss < faults.throttle_fraction:
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
