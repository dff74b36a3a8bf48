"""What the sandbox counted: API calls, throttles and content bytes actually sent.

Tests and benchmarks read these to prove claims such as "inspect fetched only the central
directory" (bytes sent) or "a scan costs ceil(N/50) calls per region" (API calls).
"""

from __future__ import annotations

import threading
from collections import Counter

#: (region, operation); region is "" for unsigned calls.
CallKey = tuple[str, str]


class SandboxStats:
    """Thread-safe counters, updated by the server's request threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._api_calls: Counter[CallKey] = Counter()
        self._throttled_calls: Counter[CallKey] = Counter()
        self._content_bytes: Counter[str] = Counter()
        self._content_requests: Counter[str] = Counter()

    def count_api_call(self, region: str, operation: str) -> None:
        with self._lock:
            self._api_calls[(region, operation)] += 1

    def count_throttled_call(self, region: str, operation: str) -> None:
        with self._lock:
            self._throttled_calls[(region, operation)] += 1

    def count_content_request(self, path: str) -> None:
        with self._lock:
            self._content_requests[path] += 1

    def count_content_bytes(self, path: str, sent: int) -> None:
        with self._lock:
            self._content_bytes[path] += sent

    @property
    def api_calls(self) -> dict[CallKey, int]:
        """Calls received per (region, operation), throttled ones included."""
        with self._lock:
            return dict(self._api_calls)

    @property
    def throttled_calls(self) -> dict[CallKey, int]:
        with self._lock:
            return dict(self._throttled_calls)

    def calls(self, operation: str, region: str | None = None) -> int:
        """How many ``operation`` calls arrived (in ``region``, or anywhere)."""
        with self._lock:
            return sum(
                n
                for (call_region, call_operation), n in self._api_calls.items()
                if call_operation == operation and (region is None or call_region == region)
            )

    @property
    def total_api_calls(self) -> int:
        with self._lock:
            return sum(self._api_calls.values())

    @property
    def total_throttled_calls(self) -> int:
        with self._lock:
            return sum(self._throttled_calls.values())

    @property
    def content_bytes_sent(self) -> int:
        """Body bytes written to clients from content URLs, over all paths."""
        with self._lock:
            return sum(self._content_bytes.values())

    @property
    def content_bytes_by_path(self) -> dict[str, int]:
        """Body bytes sent per content URL path (``/_content/<account>/<region>/<layer>/<n>``)."""
        with self._lock:
            return dict(self._content_bytes)

    @property
    def content_requests(self) -> dict[str, int]:
        """GET requests per content URL path, whatever their outcome."""
        with self._lock:
            return dict(self._content_requests)

    def reset(self) -> None:
        with self._lock:
            self._api_calls.clear()
            self._throttled_calls.clear()
            self._content_bytes.clear()
            self._content_requests.clear()
