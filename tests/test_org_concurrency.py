"""Accounts scan side by side: a process-wide cap on requests in flight, and no account waits
for another.

Both are measured at the sandbox (an interceptor sees every request arrive and leave) over real
HTTP, with the engine's own ``resolve_accounts`` + ``scan_accounts``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from layer_tui.aws import request_cap
from layer_tui.aws.account_scan import scan_accounts
from layer_tui.aws.accounts import resolve_accounts
from layer_tui.aws.inventory import ScanProgress
from layer_tui.aws.session import SessionConfig
from layer_tui.sandbox import ApiCall, ApiReply, Interceptor, Sandbox

REGION = "eu-west-1"
MEMBERS = ("one", "two", "three", "four")


class InFlight(Interceptor):
    """Counts requests between arrival and reply; holds each for ``hold`` seconds (the
    network's latency) and every request of ``stuck`` accounts until ``release``."""

    def __init__(self, hold: float = 0.0) -> None:
        self.hold = hold
        self.stuck: set[str] = set()
        self.released = threading.Event()
        self.now = 0
        self.peak = 0
        self.stuck_waiting = threading.Event()
        self.assumes_held = 0
        self._lock = threading.Lock()

    def before(self, call: ApiCall) -> ApiReply | None:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        role = call.param("RoleArn") or "" if call.operation == "AssumeRole" else ""
        if role and role.split(":")[4] in self.stuck:
            self.assumes_held += 1
            self.released.wait(5)  # far past the session's timeout, then answered
        elif call.account_id in self.stuck and call.service == "lambda":
            self.stuck_waiting.set()
            self.released.wait(30)
        elif self.hold:
            threading.Event().wait(self.hold)  # latency, as a far-away endpoint has
        return None

    def after(self, call: ApiCall, reply: ApiReply) -> ApiReply:
        with self._lock:
            self.now -= 1
        return reply


@pytest.fixture
def org() -> Iterator[tuple[Sandbox, dict[str, str], InFlight]]:
    with Sandbox(regions=(REGION,)) as sandbox:
        members = sandbox.create_organization(MEMBERS).members
        for name, account in members.items():
            lam = sandbox.client("lambda", REGION, account=account)
            for n in range(3):
                lam.publish_layer_version(LayerName=f"{name}-{n}",
                                          Content={"ZipFile": b"PK\x05\x06" + b"\0" * 18})
        counter = InFlight()
        sandbox.add_interceptor(counter, first=True)
        try:
            yield sandbox, members, counter
        finally:
            counter.released.set()


def test_requests_in_flight_never_pass_the_process_wide_cap(
    org: tuple[Sandbox, dict[str, str], InFlight], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Attack: many accounts x regions scanning at once open as many requests as they like
    (threads, sockets, the endpoint flooded). Promise: at no moment are more requests in
    flight than the process-wide cap, over every account's session, and the scan still
    completes every account."""
    sandbox, members, counter = org
    cap = request_cap.RequestCap(2)
    monkeypatch.setattr(request_cap, "_request_cap", cap)
    config = SessionConfig(endpoint_url=sandbox.endpoint_url, regions=(REGION,), org=True,
                           rate_per_second=500.0)
    accounts = resolve_accounts(config)
    counter.hold = 0.05
    counter.peak = 0
    inventory = scan_accounts(accounts, (REGION,))
    assert counter.peak == 2  # reached, never passed
    assert cap.peak == 2 and cap.in_flight == 0
    for name, account in members.items():
        region = inventory.region(REGION, account)
        assert region is not None and region.error is None
        assert [layer.name for layer in region.layers] == [f"{name}-{n}" for n in range(3)]


def test_a_stuck_account_delays_no_other_and_fails_after_its_own_timeout(
    org: tuple[Sandbox, dict[str, str], InFlight],
) -> None:
    """Attack: one account whose endpoint stops answering holds up the whole organization.
    Promise: every other account is done while that one is still waiting; it then fails on
    its own timeout as one error, and the others are whole."""
    sandbox, members, counter = org
    config = SessionConfig(endpoint_url=sandbox.endpoint_url, regions=(REGION,), org=True,
                           rate_per_second=500.0, read_timeout=2.0, max_attempts=1)
    accounts = resolve_accounts(config)
    stuck = members["two"]
    counter.stuck = {stuck}
    done: set[str] = set()
    others_done = threading.Event()
    others = {a for a in members.values() if a != stuck} | {sandbox.account_id}

    def progress(step: ScanProgress) -> None:
        if step.stage == "done":
            done.add(step.account)
            if others <= done:
                others_done.set()

    result: dict[str, Any] = {}
    scan = threading.Thread(
        target=lambda: result.update(inventory=scan_accounts(accounts, (REGION,),
                                                              progress=progress)))
    scan.start()
    assert others_done.wait(20), f"only {sorted(done)} finished"
    assert counter.stuck_waiting.is_set() and stuck not in done
    scan.join(30)
    assert not scan.is_alive()
    counter.released.set()
    inventory = result["inventory"]
    region = inventory.region(REGION, stuck)
    assert region is not None and region.error is not None
    assert region.error.code == "EndpointTimeout"
    for account in others - {sandbox.account_id}:
        whole = inventory.region(REGION, account)
        assert whole is not None and whole.error is None and len(whole.layers) == 3


def test_an_assume_role_that_hangs_fails_on_the_sessions_timeout(
    org: tuple[Sandbox, dict[str, str], InFlight],
) -> None:
    """Attack: one member's STS AssumeRole never answers, and resolving the organization
    waits for it on botocore's defaults (a minute a try, several tries) before anything is
    scanned. Promise: that AssumeRole keeps the session's own timeout and retries (here 2 s
    a try, one retry), the member becomes one row with why, and every other member resolves."""
    sandbox, members, counter = org
    counter.stuck = {members["three"]}
    config = SessionConfig(endpoint_url=sandbox.endpoint_url, regions=(REGION,), org=True,
                           read_timeout=2.0, max_attempts=1)
    accounts = resolve_accounts(config)
    counter.released.set()
    by_id = {s.account: s for s in accounts.summaries()}
    stuck = by_id[members["three"]]
    assert stuck.error is not None and stuck.error.code == "AssumeRoleFailed"
    assert "EndpointTimeout" in stuck.error.message
    # botocore's max_attempts counts the retries: one retry, as every other call of the session.
    assert counter.assumes_held == 2
    for name in ("one", "two", "four"):
        assert by_id[members[name]].error is None and accounts.get(members[name]) is not None
