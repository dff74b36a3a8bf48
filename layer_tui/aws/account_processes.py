"""Accounts scanned in worker processes, each with a share of the accounts (when asked).

Listing an organization is thousands of calls, and each costs about a millisecond of processor
time in botocore (building, signing, sending, parsing): in one process they queue for one core
however many threads wait on the network. Accounts are independent, so they are dealt out to
``processes`` workers, round robin. Everything else stays as one process does it:

- each worker scans its accounts with ``account_scan.scan_one_account``, the one-process code;
- AWS's limits are per account x region, and an account lives in one worker, so the limiters
  (``session.limiter_for``) stay whole; the process-wide cap on requests in flight is split
  between the workers;
- credentials travel in memory, through the pipe of a spawned process: the account's current
  keys (an assumed role's are refreshed first when they are close to expiring), never a file;
  the worker's sessions are made from them with the same ``SessionConfig`` (so ``--read-only``
  and the one-account guard are installed there as here);
- progress comes back through a pipe per worker as it happens; a region's result travels
  once, in its "done" (or "error") step, and the account's outcome is assembled from those;
- a failing account is its own row, as in one process; a worker that dies takes its
  unfinished accounts with it, each a row saying so, and the other workers finish.
"""

from __future__ import annotations

import multiprocessing
import pickle
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from multiprocessing import connection
from typing import Any

from layer_tui.aws.inventory import ProgressCallback, ScanProgress
from layer_tui.aws.models import LayerVersion, RegionError, RegionInventory
from layer_tui.aws.session import AwsSession, SessionConfig

#: One account's outcome: its regions, or why it could not be scanned at all.
Outcome = tuple[RegionInventory, ...] | RegionError


def process_count(accounts: int, requested: int | None = None) -> int:
    """Worker processes for ``accounts`` accounts: ``requested`` (at most one per account), or
    1 (no worker: the accounts scan in this process's threads) when nothing is asked.

    Why not one per core by default: on the 2-core machine the benchmarks run on, two
    workers listed 50 accounts at best 13% sooner (19.6 s against 22.4 s, load average 8),
    and 30 accounts later (10.1-11.8 s against 8.8-9.9 s, load average 5); they cost half as
    much processor time again (each one's start, the results' pickling, two busy processes
    on two shared cores) and about 200 MB of memory each, past the 500 MB the issue allows
    in all. Ask for them where cores are idle.
    """
    if requested is None:
        return 1
    return max(1, min(requested, accounts))


@dataclass(frozen=True)
class AccountTicket:
    """What a worker needs to scan one account: picklable, credentials included (in memory)."""

    account: str
    config: SessionConfig
    access_key: str
    secret_key: str
    token: str | None
    regions: tuple[str, ...] | None
    known: Mapping[str, LayerVersion] | None


def ticket_for(
    account: str,
    session: AwsSession,
    regions: Sequence[str] | None,
    known: Mapping[str, LayerVersion] | None,
) -> AccountTicket:
    """The account's current credentials as plain keys (a refreshable set refreshes itself
    first when it is within botocore's refresh window of expiring)."""
    credentials = session.botocore_session().get_credentials()
    if credentials is None:
        raise ValueError(f"account {account} has no credentials to hand to a worker")
    frozen = credentials.get_frozen_credentials()
    return AccountTicket(
        account=account,
        config=replace(session.config, profiles=()),
        access_key=frozen.access_key,
        secret_key=frozen.secret_key,
        token=frozen.token,
        regions=tuple(regions) if regions else None,
        known=dict(known) if known is not None else None,
    )


def session_from_ticket(ticket: AccountTicket) -> AwsSession:
    """The worker's session of ``ticket``'s account: its keys only, its configuration's
    guards (read-only, one account) installed as on every session."""
    from botocore.credentials import Credentials

    credentials = Credentials(ticket.access_key, ticket.secret_key, ticket.token, "worker")
    return AwsSession(ticket.config, credentials=credentials, account=ticket.account)


def scan_in_processes(
    tickets: Sequence[AccountTicket],
    *,
    processes: int,
    latest_only: bool,
    progress: ProgressCallback | None,
    request_cap_limit: int,
) -> dict[str, Outcome]:
    """Every ticket's account scanned by ``processes`` workers; outcomes by account."""
    context = multiprocessing.get_context("spawn")  # never fork a process full of threads
    shares = [share for n in range(processes) if (share := list(tickets[n::processes]))]
    cap = max(1, request_cap_limit // len(shares))
    # A pipe per worker, not one shared queue: a worker that dies mid-message (or holding a
    # shared queue's lock) then breaks its own pipe only, never the others' answers.
    readers: dict[Any, int] = {}
    workers = []
    for n, share in enumerate(shares):
        reader, writer = context.Pipe(duplex=False)
        worker = context.Process(target=_work, args=(share, latest_only, writer, cap),
                                 name=f"layer-tui-scan-{n}", daemon=True)
        worker.start()
        writer.close()  # the worker's copy is the only one: its death closes the pipe
        readers[reader] = n
        workers.append(worker)
    results: dict[tuple[str, str], RegionInventory] = {}
    outcomes: dict[str, Outcome] = {}
    try:
        while readers:
            ready: list[Any] = list(connection.wait(list(readers)))
            for reader in ready:
                n = readers[reader]
                try:
                    kind, payload = reader.recv()
                except (EOFError, OSError, pickle.UnpicklingError):
                    del readers[reader]
                    workers[n].join(timeout=5)
                    _unfinished(shares[n], f"the process scanning it stopped (exit code "
                                f"{workers[n].exitcode}) before it was done", outcomes)
                    continue
                if kind == "step":
                    step: ScanProgress = payload
                    if step.stage in ("done", "error") and step.result is not None:
                        results[(step.account, step.region)] = step.result
                    if progress is not None:
                        progress(step)
                elif kind == "account":
                    account, summary = payload
                    outcomes[account] = summary if isinstance(summary, RegionError) else tuple(
                        _stamped(results[(account, r)] if isinstance(r, str) else r, account)
                        for r in summary
                    )
                elif kind == "end":
                    del readers[reader]
                    _unfinished(shares[n], f"its scan stopped: {payload}", outcomes)
    finally:
        for worker in workers:
            worker.join(timeout=5)
            if worker.is_alive():
                worker.kill()
        for reader in readers:
            reader.close()
    return outcomes


def _stamped(region: RegionInventory, account: str) -> RegionInventory:
    # A region that failed before asking has no account of its own yet (as in one process).
    return region if region.account else replace(region, account=account)


def _unfinished(share: Sequence[AccountTicket], why: str, outcomes: dict[str, Outcome]) -> None:
    """Each account of ``share`` with no outcome yet becomes a row saying ``why``."""
    for ticket in share:
        outcomes.setdefault(ticket.account, RegionError(
            "ScanWorkerStopped",
            f"account {ticket.account}: {why}; the other accounts are complete, scan again",
        ))


def _work(share: Sequence[AccountTicket], latest_only: bool, writer: Any, cap: int) -> None:
    """A worker: its accounts side by side, each step and outcome sent through ``writer``."""
    from layer_tui.aws.account_scan import scan_one_account
    from layer_tui.aws.request_cap import set_request_cap

    set_request_cap(cap)
    sending = threading.Lock()

    def send(kind: str, payload: Any) -> None:
        with sending:  # one message at a time on the pipe, from every scan thread
            writer.send((kind, payload))

    stopped = "its process finished without an answer for it"
    try:
        # Service models are read once per worker, shared by its accounts' sessions.
        sessions = [session_from_ticket(ticket) for ticket in share]

        def scan(ticket: AccountTicket, session: AwsSession) -> None:
            sent: set[str] = set()

            def report(step: ScanProgress) -> None:
                if step.stage in ("done", "error") and step.result is not None:
                    sent.add(step.region)
                send("step", step)

            known = ticket.known
            try:
                outcome = scan_one_account(
                    ticket.account, session, ticket.regions, latest_only, report,
                    (lambda _a, _r: known) if known is not None else None,
                )
            except Exception as exc:  # one account's failure is its row, never its share's
                outcome = RegionError(type(exc).__name__,
                                      f"account {ticket.account}: its scan failed: {exc}")
            # A region whose result came with its "done" step travels once: by name.
            summary = outcome if isinstance(outcome, RegionError) else tuple(
                r.region if r.region in sent else r for r in outcome)
            send("account", (ticket.account, summary))

        with ThreadPoolExecutor(len(share), "scan-account") as pool:
            list(pool.map(scan, share, sessions))
        stopped = ""
    except Exception as exc:
        stopped = f"{type(exc).__name__}: {exc}"
    finally:
        send("end", stopped or "its process finished without an answer for it")
        writer.close()
