"""What the TUI keeps of several accounts, as plain data: consumers merged across accounts as
the regions are now, only the accounts scanned, and a column that gives way first.

No AWS, no widgets: the pilot tests over the sandbox's organization are in
tests/test_org_tui_accounts.py.
"""

from __future__ import annotations

from datetime import UTC, datetime

from layer_tui import clock
from layer_tui.aws.account_merge import AccountMerge
from layer_tui.aws.models import (
    LATEST,
    AccountSummary,
    FunctionRef,
    Layer,
    LayerVersion,
    RegionInventory,
)
from layer_tui.ui.widgets import Column
from layer_tui.ui.widgets.table_model import fit_widths

REGION = "us-east-1"
PLATFORM, ORDERS, BILLING = "111111111111", "222222222222", "333333333333"
SUMMARIES = (AccountSummary(PLATFORM, "platform"), AccountSummary(ORDERS, "orders"),
             AccountSummary(BILLING, "billing"))
OTEL_1 = f"arn:aws:lambda:{REGION}:{PLATFORM}:layer:otel:1"
WHEN = datetime(2026, 11, 22, 19, 0, tzinfo=UTC)


def function(account: str, name: str, layers: tuple[str, ...]) -> FunctionRef:
    return FunctionRef(name, f"arn:aws:lambda:{REGION}:{account}:function:{name}", LATEST,
                       "python3.12", ("x86_64",), REGION, layers=layers)


def platform_region() -> RegionInventory:
    version = LayerVersion("otel", 1, OTEL_1, OTEL_1.rsplit(":", 1)[0], REGION, "", 10, "sha")
    layer = Layer("otel", version.layer_arn, REGION, (version,))
    return RegionInventory(REGION, layers=(layer,), account=PLATFORM, scanned_at=WHEN)


def member_region(account: str, *functions: FunctionRef) -> RegionInventory:
    return RegionInventory(REGION, functions=functions, account=account, scanned_at=WHEN)


def otel_users(regions: tuple[RegionInventory, ...]) -> list[str]:
    platform = next(r for r in regions if r.account == PLATFORM)
    return [c.function for c in platform.layers[0].versions[0].consumers]


def test_consumers_in_other_accounts_follow_their_rescans() -> None:
    """Attack: billing-report (account billing) uses platform's otel:1, then is moved off it;
    billing's region is rescanned. A merge that only added consumers kept billing-report (or
    listed orders-api twice after orders was rescanned).
    Promise: otel:1's consumers are the functions of the other accounts as their regions are
    now: once each, and billing-report gone after billing's rescan without it."""
    clock.freeze(WHEN)
    try:
        orders_api = function(ORDERS, "orders-api", (OTEL_1,))
        billing_report = function(BILLING, "billing-report", (OTEL_1,))
        merge = AccountMerge()
        merged = merge.estate(PLATFORM, SUMMARIES, [
            platform_region(), member_region(ORDERS, orders_api),
            member_region(BILLING, billing_report)])
        assert merged is not None
        assert sorted(otel_users(merged.regions)) == ["billing-report", "orders-api"]
        assert merged.accounts == SUMMARIES
        merged = merge.estate(PLATFORM, SUMMARIES, [member_region(ORDERS, orders_api)])
        assert merged is not None
        assert sorted(otel_users(merged.regions)) == ["billing-report", "orders-api"]
        moved = function(BILLING, "billing-report", ())
        merged = merge.estate(PLATFORM, SUMMARIES, [member_region(BILLING, moved)])
        assert merged is not None
        assert otel_users(merged.regions) == ["orders-api"]
    finally:
        clock.freeze(None)


def test_a_region_of_an_account_not_scanned_is_never_merged() -> None:
    """Attack: a region stamped with an account outside the scan (a stale cache file, a
    session switched away) arrives. It was shown, and its functions counted as consumers.
    Promise: only regions of the accounts being scanned are taken."""
    stranger = member_region("999999999999", function("999999999999", "x", (OTEL_1,)))
    merged = AccountMerge().estate(PLATFORM, SUMMARIES, [platform_region(), stranger])
    assert merged is not None
    assert [r.account for r in merged.regions] == [PLATFORM]
    assert otel_users(merged.regions) == []


def test_the_account_column_gives_way_before_any_other() -> None:
    """Attack: a table one account column too wide for the terminal. The widest columns gave
    first, so the names' neighbours (runtimes, flags) lost cells while the account kept its.
    Promise: the account column shrinks to its label first; the others keep their widths
    while that is enough."""
    columns = (Column("function", "Function", keep=True), Column("account", "Account",
               max_width=20, yields=True), Column("runtimes", "Runtimes", max_width=26))
    natural = (20, 20, 26)
    needed = sum(natural) + 2 * len(natural)
    widths = fit_widths(natural, columns, needed - 11)
    assert widths == (20, 9, 26)
