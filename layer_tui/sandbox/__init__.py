"""The embedded AWS behind ``--demo``, the tests and the benchmarks.

moto's server, started in-process on a free loopback port, behind a thin WSGI gateway that makes
it behave like AWS where moto does not (content URLs with Range, paging at 50, regions that are
not enabled, throttling). Never imports textual.
"""

from layer_tui.sandbox.calls import ApiCall, ApiReply, Interceptor
from layer_tui.sandbox.faults import Faults
from layer_tui.sandbox.server import DEFAULT_REGIONS, DEMO_ACCOUNT_ID, Sandbox
from layer_tui.sandbox.stats import SandboxStats

__all__ = [
    "DEFAULT_REGIONS",
    "DEMO_ACCOUNT_ID",
    "ApiCall",
    "ApiReply",
    "Faults",
    "Interceptor",
    "Sandbox",
    "SandboxStats",
]
