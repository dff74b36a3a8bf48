"""Accounts dealt to worker processes: the same estate as one process, failures as rows.

The held-out organization (over the sandbox's real HTTP endpoint, credentials from STS
AssumeRole): "platform" publishes ``otel`` granted to "workload-a", whose function pins it;
"workload-b" has a layer and a function of its own; "quiet" has nothing. ``scan_accounts``
with ``processes=2`` spawns two workers (two accounts each, round robin) and is compared with
the one-process scan of the same organization.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import signal
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from layer_tui.aws.account_processes import session_from_ticket, ticket_for
from layer_tui.aws.account_scan import scan_accounts
from layer_tui.aws.accounts import AccountSessions, resolve_accounts
from layer_tui.aws.guards import ReadOnlyError
from layer_tui.aws.inventory import ScanProgress
from layer_tui.aws.models import Inventory, RegionInventory
from layer_tui.aws.session import SessionConfig
from layer_tui.sandbox import ApiCall, ApiReply, Interceptor, Sandbox
from layer_tui.sandbox.calls import error_reply

REGION = "eu-west-1"
MEMBERS = ("platform", "workload-a", "workload-b", "quiet")
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def tiny_zip(marker: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("python/marker.py", f"MARKER = {marker!r}\n")
    return buf.getvalue()


def make_function(sandbox: Sandbox, account: str, name: str, layers: list[str]) -> None:
    sandbox.client("lambda", REGION, account=account).create_function(
        FunctionName=name, Runtime="python3.12",
        Role=f"arn:aws:iam::{account}:role/layer-tui-sandbox-execution", Handler="app.handler",
        Code={"ZipFile": tiny_zip(name)}, Layers=layers,
    )


@pytest.fixture(scope="module")
def org() -> Iterator[tuple[Sandbox, dict[str, str], str]]:
    with Sandbox(regions=(REGION,)) as sandbox:
        members = sandbox.create_organization(MEMBERS).members
        lam = sandbox.client("lambda", REGION, account=members["platform"])
        otel = lam.publish_layer_version(LayerName="otel", Content={"ZipFile": tiny_zip("o")})
        lam.publish_layer_version(LayerName="otel", Content={"ZipFile": tiny_zip("o2")})
        lam.add_layer_version_permission(
            LayerName="otel", VersionNumber=otel["Version"], StatementId="workload-a",
            Action="lambda:GetLayerVersion", Principal=members["workload-a"],
        )
        make_function(sandbox, members["workload-a"], "checkout", [otel["LayerVersionArn"]])
        b = sandbox.client("lambda", REGION, account=members["workload-b"])
        own = b.publish_layer_version(LayerName="own", Content={"ZipFile": tiny_zip("b")})
        make_function(sandbox, members["workload-b"], "billing", [own["LayerVersionArn"]])
        yield sandbox, members, str(otel["LayerVersionArn"])


def organization(sandbox: Sandbox, *, read_only: bool = False) -> AccountSessions:
    return resolve_accounts(SessionConfig(endpoint_url=sandbox.endpoint_url, regions=(REGION,),
                                          org=True, read_only=read_only))


def comparable(inventory: Inventory) -> tuple[tuple[RegionInventory, ...], object]:
    """The inventory without the moments it was taken (a worker's clock is its own)."""
    return (tuple(replace(r, scanned_at=EPOCH) for r in inventory.regions), inventory.accounts)


def test_worker_processes_give_the_same_estate_as_one_process(
    org: tuple[Sandbox, dict[str, str], str],
) -> None:
    """Attack: accounts scanned in other processes come back partial, unmerged, out of order,
    or stamped with the wrong account (a worker's sessions built from the wrong keys).
    Promise: ``processes=2`` returns exactly the one-process inventory: every account's
    regions, layers and functions, the cross-account consumer merged into the publisher's
    version, every progress step stamped with its account."""
    sandbox, members, otel = org
    accounts = organization(sandbox)
    alone = scan_accounts(accounts, (REGION,), processes=1)
    steps: list[ScanProgress] = []
    lock = threading.Lock()

    def progress(step: ScanProgress) -> None:
        with lock:
            steps.append(step)

    dealt = scan_accounts(accounts, (REGION,), processes=2, progress=progress)
    assert comparable(dealt) == comparable(alone)
    platform = next(r for r in dealt.regions if r.account == members["platform"])
    version = next(v for layer in platform.layers for v in layer.versions if v.arn == otel)
    assert [(c.account, c.function) for c in version.consumers] == [
        (members["workload-a"], "checkout")]
    done = {(s.account, s.region) for s in steps if s.stage == "done"}
    assert done == {(account, REGION) for account, _ in accounts}


class FailOne(Interceptor):
    """Every Lambda call of one account refused, as a deny policy there would."""

    def __init__(self, account: str) -> None:
        self.account = account
        self.active = True  # the sandbox keeps its interceptors: this one is switched off

    def before(self, call: ApiCall) -> ApiReply | None:
        if self.active and call.service == "lambda" and call.account_id == self.account:
            return error_reply(call, 403, "AccessDeniedException",
                               "not authorized to perform lambda:ListLayers")
        return None


def test_an_account_failing_in_a_worker_is_one_row_and_the_others_are_whole(
    org: tuple[Sandbox, dict[str, str], str],
) -> None:
    """Attack: an account denied in a worker process takes its worker's other accounts (or the
    whole scan) down with it, or raises a traceback out of another process.
    Promise: that account's region is one row with AWS's reason; every other account,
    the one sharing its worker included, is listed whole."""
    sandbox, members, _ = org
    accounts = organization(sandbox)
    alone = scan_accounts(accounts, (REGION,), processes=1)
    failing = FailOne(members["workload-b"])
    sandbox.add_interceptor(failing, first=True)
    try:
        dealt = scan_accounts(accounts, (REGION,), processes=2)
    finally:
        failing.active = False
    rows = {r.account: r for r in dealt.regions}
    assert rows[members["workload-b"]].error is not None
    assert rows[members["workload-b"]].error.code == "AccessDeniedException"
    whole = {r.account: replace(r, scanned_at=EPOCH) for r in alone.regions}
    for account, region in rows.items():
        if account != members["workload-b"]:
            assert replace(region, scanned_at=EPOCH) == whole[account]


class KillWorker(Interceptor):
    """The first Lambda call of any of the worker's accounts kills that worker: before it, no
    region of the worker's can have been listed (each needs Lambda calls), so every one of its
    accounts is cut short, whichever its threads reached first."""

    def __init__(self, accounts: list[str]) -> None:
        self.accounts = set(accounts)
        self.killed: list[int] = []

    def before(self, call: ApiCall) -> ApiReply | None:
        if call.service != "lambda" or call.account_id not in self.accounts or self.killed:
            return None
        # The worker owning the account: the sandbox answers in this process, so the
        # workers are this process's children (one per share, named by its index).
        for child in multiprocessing.active_children():
            if child.name == "layer-tui-scan-1" and child.pid is not None:
                self.killed.append(child.pid)
                os.kill(child.pid, signal.SIGKILL)
        return error_reply(call, 500, "ServiceException", "the caller is gone")


def test_a_worker_that_dies_leaves_rows_for_its_accounts_and_the_others_complete(
    org: tuple[Sandbox, dict[str, str], str],
) -> None:
    """Attack: a worker process killed mid-scan (out of memory, a signal) hangs the scan, or
    silently drops its accounts as if they had no layers.
    Promise: the scan returns; each account of the dead worker is an account row saying its
    process stopped (and to scan again); the other worker's accounts are whole."""
    sandbox, _, _ = org
    accounts = organization(sandbox)
    order = [a for a, _ in accounts]
    second_share = order[1::2]  # round robin: worker 1 has the 2nd, 4th, ... account
    killer = KillWorker(second_share)
    sandbox.add_interceptor(killer, first=True)
    try:
        dealt = scan_accounts(accounts, (REGION,), processes=2)
    finally:
        killer.killed.append(0)  # spent: kills no more
    assert killer.killed[0] > 0  # a worker was killed, not the spent marker
    errors = {s.account: s.error for s in dealt.accounts if s.error is not None}
    assert set(errors) == set(second_share)
    for error in errors.values():
        assert error.code == "ScanWorkerStopped"
        assert "stopped" in error.message and "scan again" in error.message
    scanned = {r.account for r in dealt.regions if r.error is None}
    assert scanned == set(order[0::2])


def test_a_workers_session_keeps_read_only_and_its_accounts_keys(
    org: tuple[Sandbox, dict[str, str], str],
) -> None:
    """Attack: the keys handed to a worker lose the session's guards (a worker built from
    bare keys can publish under --read-only) or name another account.
    Promise: a worker's session, rebuilt from its ticket, is the same account and refuses a
    change under --read-only before anything is sent."""
    sandbox, members, _ = org
    accounts = organization(sandbox, read_only=True)
    account = members["workload-a"]
    session = accounts.get(account)
    assert session is not None
    worker = session_from_ticket(ticket_for(account, session, (REGION,), None))
    identity = worker.client("sts", REGION).get_caller_identity()
    assert identity["Account"] == account
    before = sandbox.client("lambda", REGION, account=account).list_layers()["Layers"]
    with pytest.raises(ReadOnlyError):
        worker.client("lambda", REGION).publish_layer_version(
            LayerName="sneaky", Content={"ZipFile": tiny_zip("x")})
    assert sandbox.client("lambda", REGION, account=account).list_layers()["Layers"] == before
