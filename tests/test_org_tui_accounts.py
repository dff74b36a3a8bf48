"""The TUI over several accounts: every account scanned, one failed account one row, an Account
column that names consumers in other accounts and that the filter finds by name and by id.

Pilot tests against the sandbox's organization (``org_estate``, tests/conftest.py): the
management account and members platform, orders, billing and legacy, in us-east-1; platform
publishes otel and auth, orders and billing use them, legacy's role is missing.
"""

from __future__ import annotations

from typing import Any

from on_screen import row_text, said, shown_keys, table
from ui_fixtures import pilot_test
from waiting import press_and_wait, rows_ready, settle, wait_until

from layer_tui.aws.session import SessionConfig
from layer_tui.sandbox import Sandbox
from layer_tui.sandbox.org_estate import SHARED_REGION, SharedLayers
from layer_tui.ui.app import LayerTuiApp
from layer_tui.ui.screens.consumers import ConsumersScreen
from layer_tui.ui.screens.regions import RegionsScreen
from layer_tui.ui.widgets import HeaderBar

SIZE = (160, 40)
SMALL = (80, 24)


def org_app(estate: SharedLayers, **options: Any) -> LayerTuiApp:
    config = SessionConfig(org=True, endpoint_url=estate.sandbox.endpoint_url,
                           regions=(SHARED_REGION,), **options)
    return LayerTuiApp(config, endpoint_label="sandbox")


async def scanned(pilot: Any, app: LayerTuiApp) -> None:
    """Every account resolved and scanned (the scan starts after the first paint), then the
    rows built."""
    def done() -> bool:
        accounts = app.account_scans.values()
        return bool(accounts) and not any(a.running for a in accounts) and not any(
            s.running for s in app.scan_states.values())

    await wait_until(pilot, done, what="every account scanned")
    await settle(pilot)


def header_text(app: LayerTuiApp) -> str:
    return str(app.screen.query_one(HeaderBar).render())


@pilot_test
async def test_every_account_is_scanned_and_the_one_without_its_role_is_one_row(
    org_estate: SharedLayers,
) -> None:
    """Attack: ``--org`` over five accounts, one (legacy) whose role cannot be assumed. The
    app scanned only the caller's account (or stopped at the first failure).
    Promise: the regions screen lists account x region for the four reachable accounts, each
    "ok"; legacy is one row saying its role cannot be assumed; the header says 5 accounts
    (1 failed); enter on legacy's row says the whole reason."""
    app = org_app(org_estate)
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot, app)
        assert isinstance(app.screen, RegionsScreen)
        legacy = org_estate.account("legacy")
        reachable = [org_estate.sandbox.account_id,
                     *(org_estate.account(m) for m in ("platform", "orders", "billing"))]
        keys = shown_keys(app)
        assert sorted(keys) == sorted([*(f"{a}/{SHARED_REGION}" for a in reachable), legacy])
        for account in reachable:
            line = row_text(app, f"{account}/{SHARED_REGION}")
            assert " ok " in f" {line} ", line
        assert "platform" in row_text(app, f"{org_estate.account('platform')}/{SHARED_REGION}")
        assert "role cannot be assumed" in row_text(app, legacy)
        assert "legacy" in row_text(app, legacy)
        header = header_text(app)
        assert "5 accounts" in header and "(1 failed)" in header, header
        assert table(app).select_key(legacy)
        await pilot.press("enter")
        await wait_until(pilot, lambda: any("OrganizationAccountAccessRole" in line
                                            for line in said(app)), what="the reason said")


@pilot_test
async def test_consumers_in_other_accounts_are_named_and_found_by_name_or_id(
    org_estate: SharedLayers,
) -> None:
    """Attack: platform's otel:1 is used only from other accounts (orders, billing). The
    consumers screen said "no function uses this version", or listed the functions without
    saying whose they are, and ``/`` could not find them by account.
    Promise: otel:1's consumers are orders-api and billing-report, each row naming its
    account ("orders", "billing"); ``/billing`` and ``/<billing's id>`` both leave
    billing-report alone."""
    otel_1 = org_estate.layers["otel:1"]
    app = org_app(org_estate)
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot, app)
        app.push_screen(ConsumersScreen(otel_1))
        await wait_until(pilot, lambda: isinstance(app.screen, ConsumersScreen)
                         and app.screen.rows_ready and shown_keys(app), what="otel:1's consumers")
        rows = {key.rsplit(":", 1)[-1]: row_text(app, key) for key in shown_keys(app)}
        assert set(rows) == {"orders-api", "billing-report"}, rows
        assert "orders" in rows["orders-api"].split("orders-api", 1)[1]
        assert "billing" in rows["billing-report"].split("billing-report", 1)[1]
        billing = org_estate.account("billing")
        for needle in ("billing", billing):
            await press_and_wait(pilot, "slash", *needle, "enter")
            assert [k.rsplit(":", 1)[-1] for k in shown_keys(app)] == ["billing-report"], needle
            await press_and_wait(pilot, "escape")  # clears the filter
            assert len(shown_keys(app)) == 2


@pilot_test
async def test_a_region_not_enabled_for_one_account_is_its_row_and_the_others_complete(
    org_estate: SharedLayers,
) -> None:
    """Attack: us-east-1 is not enabled for billing only. The failure showed for every
    account, or hid billing's row, or held the others' scans.
    Promise: billing's us-east-1 row says it is not enabled; every other reachable account's
    row is ok and platform's otel is listed with its consumers in orders."""
    org_estate.organization.disable_region("billing", SHARED_REGION)
    app = org_app(org_estate)
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot, app)
        billing = org_estate.account("billing")
        assert "not enabled" in row_text(app, f"{billing}/{SHARED_REGION}")
        for member in ("platform", "orders"):
            line = row_text(app, f"{org_estate.account(member)}/{SHARED_REGION}")
            assert " ok " in f" {line} ", line
        inventory = app.inventory
        assert inventory is not None
        platform = inventory.region(SHARED_REGION, org_estate.account("platform"))
        assert platform is not None
        otel = next(layer for layer in platform.layers if layer.name == "otel")
        users = {c.function for v in otel.versions for c in v.consumers}
        assert users == {"orders-api", "orders-worker"}, users


@pilot_test
async def test_the_account_column_gives_way_first_at_80x24(org_estate: SharedLayers) -> None:
    """Attack: the consumers screen at 80x24 with an Account column: the function names were
    cut to make room for it.
    Promise: every function name is whole at 80 columns; the Account column is no wider
    than its label."""
    otel_1 = org_estate.layers["otel:1"]
    app = org_app(org_estate)
    async with app.run_test(size=SMALL) as pilot:
        await scanned(pilot, app)
        app.push_screen(ConsumersScreen(otel_1))
        await wait_until(pilot, lambda: isinstance(app.screen, ConsumersScreen)
                         and app.screen.rows_ready and shown_keys(app), what="otel:1's consumers")
        await pilot.pause()
        shown = table(app)
        names = {key: key.rsplit(":", 1)[-1] for key in shown_keys(app)}
        for y, key in enumerate(k.key for k in shown.shown_rows):
            line = shown.render_line(y + 1).text
            assert line.split()[0] == names[key], line
        account = [c.key for c in shown.columns].index("account")
        assert shown._widths[account] <= len("Account") + 2


@pilot_test
async def test_a_refresh_rescans_the_region_in_every_account_and_says_when_all_landed(
    org_estate: SharedLayers,
) -> None:
    """Attack: ``r`` on the regions screen with several accounts. Keyed by region alone, the
    first account's answer ended the refresh (or dropped the others' reports as stale), and
    "refreshed" was said while the other accounts were still scanning.
    Promise: every reachable account's us-east-1 is scanned again (each row back to ok), and
    "refreshed" is said once all of them have landed."""
    app = org_app(org_estate)
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot, app)
        before = {key: state.stage for key, state in app.scan_states.items()}
        assert len(before) == 4 and set(before.values()) == {"done"}, before
        await pilot.press("r")
        await wait_until(pilot, lambda: any(line.startswith("refreshed") for line in said(app)),
                         what="the refresh said done")
        # The notice is said as the last state lands; the rows it changes are rebuilt in a
        # thread after that: read them once built, as a user sees them a moment later.
        await wait_until(pilot, lambda: rows_ready(app), what="the rows after the refresh")
        assert all(not state.running for state in app.scan_states.values())
        assert set(app.scan_states) == set(before)
        for key in before:
            line = row_text(app, f"{key[0]}/{key[1]}")
            assert " ok " in f" {line} ", line


@pilot_test
async def test_an_account_outside_any_organization_is_shown_alone_and_says_why(
    sandbox: Sandbox,
) -> None:
    """Attack: ``--org`` from an account that is in no AWS Organization. The app showed
    nothing (or a traceback), or showed the account without a word on why it is alone.
    Promise: the caller's account is scanned and listed, and the app says in one line that it
    is not in an organization, so it is shown alone."""
    config = SessionConfig(org=True, endpoint_url=sandbox.endpoint_url, regions=(SHARED_REGION,))
    app = LayerTuiApp(config, endpoint_label="sandbox")
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot, app)
        assert shown_keys(app) == [f"{sandbox.account_id}/{SHARED_REGION}"]
        notes = [line for line in said(app) if "not in an AWS Organization" in line]
        assert len(notes) == 1 and "\n" not in notes[0], said(app)


@pilot_test
async def test_history_names_each_changes_account_and_the_filter_finds_its_id(
    org_estate: SharedLayers,
) -> None:
    """Attack: the journal holds changes made in two member accounts. With several accounts
    in view the history showed bare ids only (or the names only, and ``/<id>`` found nothing).
    Promise: each row names its account (orders, billing); ``/<billing's id>`` leaves
    billing's change alone."""
    from layer_tui.aws.journal import Journal
    from layer_tui.ui.screens.history import HistoryScreen

    journal = Journal()
    for member in ("orders", "billing"):
        entry = journal.before("UpdateFunctionConfiguration", profile="demo",
                               account=org_estate.account(member), region=SHARED_REGION,
                               args={"FunctionName": f"{member}-fn"})
        journal.after(entry, result={})
    app = org_app(org_estate)
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot, app)
        app.push_screen(HistoryScreen(journal))
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen)
                         and app.screen.rows_ready and len(shown_keys(app)) == 2,
                         what="the history's rows")
        accounts = sorted(row.cells[2].plain for row in table(app).shown_rows)
        assert accounts == ["billing", "orders"], accounts
        await press_and_wait(pilot, "slash", *org_estate.account("billing"), "enter")
        assert [row.cells[2].plain for row in table(app).shown_rows] == ["billing"]


@pilot_test
async def test_a_function_of_another_account_is_read_through_its_own_account(
    org_estate: SharedLayers,
) -> None:
    """Attack: enter on orders-api, a consumer of platform's otel:1 in account orders. The
    function screen read it through the caller's own session: refused (another account's
    function), so its facts and merged /opt never came.
    Promise: the screen reads it through orders' session: its layers (otel:1, auth:1) are
    read and listed, and the crumbs name the account."""
    from layer_tui.ui.screens.function import FunctionScreen

    app = org_app(org_estate)
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot, app)
        inventory = app.inventory
        assert inventory is not None
        orders = inventory.region(SHARED_REGION, org_estate.account("orders"))
        assert orders is not None
        function = next(f for f in orders.functions if f.function == "orders-api")
        app.push_screen(FunctionScreen(function))
        await wait_until(pilot, lambda: isinstance(app.screen, FunctionScreen)
                         and app.screen.view is not None, what="orders-api read")
        screen = app.screen
        assert isinstance(screen, FunctionScreen) and screen.view is not None
        assert [layer.arn for layer in screen.view.opt.layers] == [
            org_estate.layers["otel:1"], org_estate.layers["auth:1"]]
        assert "orders" in screen.crumbs()


@pilot_test
async def test_an_accounts_region_opens_its_own_layers_and_all_regions_says_whose(
    org_estate: SharedLayers,
) -> None:
    """Attack: enter on platform's us-east-1 row. The layers screen showed the region's
    layers of whichever account came first (or of none: the key is account/region), and the
    all-regions view mixed accounts without saying whose each layer is.
    Promise: platform's row opens platform's layers (auth, otel), crumbs naming platform;
    ``a`` lists every account's layers with an Account column saying platform."""
    from layer_tui.ui.screens.layers import LayersScreen

    app = org_app(org_estate)
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot, app)
        platform = org_estate.account("platform")
        assert table(app).select_key(f"{platform}/{SHARED_REGION}")
        await press_and_wait(pilot, "enter")
        screen = app.screen
        assert isinstance(screen, LayersScreen)
        assert sorted(row.item.name for row in table(app).shown_rows) == ["auth", "otel"]
        assert "platform" in screen.crumbs()
        assert "account" not in [c.key for c in table(app).columns]  # one account in view
        await press_and_wait(pilot, "escape", "a")
        assert isinstance(app.screen, LayersScreen) and app.screen.account is None
        account = [c.key for c in table(app).columns].index("account")
        assert {row.cells[account].plain for row in table(app).shown_rows} == {"platform"}


@pilot_test
async def test_several_profiles_one_unreadable_are_each_one_row(
    sandbox: Sandbox, tmp_path: Any
) -> None:
    """Attack: ``--profile alpha --profile beta --profile missing``; missing is in no config
    file, so its account is never known. Its row took the key of "the one account" (""), had
    no name, or two unreadable profiles shared one row.
    Promise: alpha's and beta's accounts are scanned, each row named by its profile; missing
    is one row named "missing" with its reason; the header says 3 accounts (1 failed)."""
    import os

    accounts = {"alpha": "444455556666", "beta": "777788889999"}
    lines = []
    for profile, account in accounts.items():
        key, secret = sandbox.credentials_for(account)
        lines += [f"[{profile}]", f"aws_access_key_id = {key}", f"aws_secret_access_key = {secret}"]
    path = os.environ["AWS_SHARED_CREDENTIALS_FILE"]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    config = SessionConfig(profiles=("alpha", "beta", "missing"), profile="alpha",
                           endpoint_url=sandbox.endpoint_url, regions=(SHARED_REGION,))
    app = LayerTuiApp(config, endpoint_label="sandbox")
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot, app)
        keys = shown_keys(app)
        assert sorted(keys) == sorted([*(f"{a}/{SHARED_REGION}" for a in accounts.values()),
                                       "profile missing"]), keys
        for profile, account in accounts.items():
            assert row_text(app, f"{account}/{SHARED_REGION}").startswith(profile)
        missing = row_text(app, "profile missing")
        assert missing.startswith("missing") and " ok " not in f" {missing} ", missing
        header = header_text(app)
        assert "3 accounts" in header and "(1 failed)" in header, header


@pilot_test
async def test_each_accounts_regions_are_listed_by_name(org_estate: SharedLayers) -> None:
    """Attack: ``--region us-east-1 --region eu-west-1``: rows sorted by account alone kept
    each account's regions in the order their scans were announced (us-east-1 first).
    Promise: sorted by Account, each account's regions follow by name (eu-west-1 first)."""
    config = SessionConfig(org=True, endpoint_url=org_estate.sandbox.endpoint_url,
                           regions=(SHARED_REGION, "eu-west-1"))
    app = LayerTuiApp(config, endpoint_label="sandbox")
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot, app)
        platform = org_estate.account("platform")
        mine = [key.split("/")[1] for key in shown_keys(app) if key.startswith(f"{platform}/")]
        assert mine == ["eu-west-1", SHARED_REGION], mine
