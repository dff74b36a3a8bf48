"""Snapshots of every browsing screen, on the in-memory account with the clock frozen.

The endpoint shows as the fixed label "sandbox" (never a host or port); ages read against
``NOW``. Regenerate with ``pytest tests/test_ui_snapshots.py --snapshot-update`` after a
deliberate change, and look at the report before committing.

Keys are pressed in ``run_before``, each followed by the wait for the screen's rows (built in
a thread), so no picture is taken of a table still reading; ``snap_compare``'s own ``press``
does not wait for workers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from ui_fixtures import NOW, make_app
from waiting import press_and_wait, settle, wait_until

SIZE = (120, 40)
pytestmark = pytest.mark.frozen_clock(NOW)


def after(*keys: str) -> Callable[[Any], Awaitable[None]]:
    """The scan done, then each key with its rows built."""

    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await press_and_wait(pilot, *keys)
        await settle(pilot)

    return run_before


def test_regions_screen(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=after())


def test_layers_screen(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=after("down", "enter"))


def test_layers_screen_filtered_and_read_only(snap_compare: Any) -> None:
    assert snap_compare(
        make_app(read_only=True),
        terminal_size=SIZE, run_before=after("down", "enter", "slash", *"py", "enter"),
    )


def test_versions_screen(snap_compare: Any) -> None:
    assert snap_compare(
        make_app(), terminal_size=SIZE, run_before=after("down", "enter", "enter")
    )


def test_consumers_screen(snap_compare: Any) -> None:
    assert snap_compare(
        make_app(),
        terminal_size=SIZE, run_before=after("down", "enter", "enter", "down", "enter"),
    )


def test_consumers_drift(snap_compare: Any) -> None:
    assert snap_compare(
        make_app(),
        terminal_size=SIZE, run_before=after("down", "enter", "enter", "enter", "t"),
    )


def test_functions_screen(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=after("f"))


def test_help_screen(snap_compare: Any) -> None:
    assert snap_compare(
        make_app(), terminal_size=SIZE, run_before=after("down", "enter", "question_mark")
    )


def test_regions_screen_of_three_accounts_one_failed(snap_compare: Any) -> None:
    """``--org --accounts`` of platform, orders and legacy (whose role is missing) on the
    sandbox's organization, its management account's id fixed so the ids are the same every
    run: account x region, legacy one row with its reason, the header's "3 accounts"."""
    from layer_tui.aws.session import SessionConfig
    from layer_tui.sandbox import Sandbox
    from layer_tui.sandbox.org_estate import ESTATE_MEMBERS, SHARED_REGION, seed_shared_layers
    from layer_tui.ui.app import LayerTuiApp

    with Sandbox(account_id="210987654321") as box:
        organization = box.create_organization(ESTATE_MEMBERS)
        seed_shared_layers(box, organization)
        chosen = tuple(organization.account(m) for m in ("platform", "orders", "legacy"))
        config = SessionConfig(org=True, accounts=chosen, endpoint_url=box.endpoint_url,
                               regions=(SHARED_REGION,))
        app = LayerTuiApp(config, endpoint_label="sandbox")

        async def scanned(pilot: Any) -> None:
            await wait_until(pilot, lambda: len(app.account_scans) == 3 and not any(
                a.running for a in app.account_scans.values()), what="every account scanned")
            await after()(pilot)

        assert snap_compare(app, terminal_size=SIZE, run_before=scanned)
