"""The delete dialog across accounts, tried as an attacker would (pilot, two sandbox accounts).

Promise (issue 16): a version used only from another account cannot be deleted with a plain
confirmation — the dialog's live reading names the consumer's account (id and name) and its
function, and wants ``<layer>:<version>`` typed; an account that cannot be checked is named
with why, and wants the typed name too. No plain confirmation (enter, a click on Delete,
a wrong name, tab, enter) deletes anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from org_accounts import (
    REGION,
    WORKLOAD_NAME,
    Reach,
    estate_ops,
    publish,
    session_on,
    versions_left,
)
from test_safety_delete_dialog import Host, focused_id, plain_confirms, settle, shown
from test_safety_org_changes import attached_then_revoked, version_of
from ui_fixtures import NOW, pilot_test

from layer_tui.aws.models import RegionError
from layer_tui.sandbox import Sandbox
from layer_tui.ui.dialogs.delete import DeleteVersionDialog

SIZE = (140, 40)


pytestmark = pytest.mark.frozen_clock(NOW)


@pytest.fixture
def boxes() -> Iterator[tuple[Sandbox, Sandbox]]:
    """(platform, workload): two accounts, each its own sandbox."""
    with Sandbox(regions=(REGION,)) as platform, Sandbox(regions=(REGION,)) as workload:
        for box in (platform, workload):
            box.revisions.update_seconds = 0.05
        yield platform, workload


@pilot_test
async def test_the_dialog_names_the_other_accounts_consumer_and_wants_the_name_typed(
    boxes: tuple[Sandbox, Sandbox], tmp_path: Path
) -> None:
    """Attack: otel:1's only consumer is ``checkout`` in the workload account (the grant it
    attached under is revoked, so the policy names no one), and the cache says unused. The
    user confirms without the name (enter, a click on Delete, a wrong name, tab, enter).
    Promise: the dialog names ``checkout``, the workload's id and
    name, focuses the typed-name field, and nothing is deleted."""
    platform, workload = boxes
    attached_then_revoked(platform, workload, "checkout")
    _, ops = estate_ops(platform, workload, tmp_path)
    version = version_of(ops, "otel", 1)
    assert version.consumers == ()

    app = Host(DeleteVersionDialog(ops, [version]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        text = shown(app)
        assert (f"checkout ($LATEST) in account {workload.account_id} ({WORKLOAD_NAME})"
                in text)
        assert "other accounts" in text
        assert focused_id(app) == "confirm-name"
        assert "Type otel:1 to confirm" in text
        await plain_confirms(app, pilot, "otel:2")
    assert versions_left(platform, "otel") == [1]


@pilot_test
async def test_the_dialog_names_an_account_it_could_not_check_and_wants_the_name_typed(
    boxes: tuple[Sandbox, Sandbox], tmp_path: Path
) -> None:
    """Attack: nobody uses otel:1 as far as the platform can see, and the workload account's
    role could not be assumed. Promise: the dialog says it could not check the workload
    (naming it and why), wants otel:1 typed, and no confirmation without the name deletes
    anything."""
    platform, workload = boxes
    publish(platform, "otel", 1)
    reach = Reach({platform.account_id: session_on(platform), workload.account_id: None},
                  {workload.account_id: WORKLOAD_NAME},
                  {workload.account_id: RegionError("AccessDenied", "its role is missing")})
    _, ops = estate_ops(platform, workload, tmp_path, reach)
    version = version_of(ops, "otel", 1)

    app = Host(DeleteVersionDialog(ops, [version]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        text = shown(app)
        assert f"could not check account {workload.account_id} ({WORKLOAD_NAME})" in text
        assert "its role is missing" in text
        assert focused_id(app) == "confirm-name"
        await plain_confirms(app, pilot, "otel")
    assert versions_left(platform, "otel") == [1]
