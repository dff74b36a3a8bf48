"""One cross-account merge (``aws/account_merge.py``), for the CLI and the TUI alike.

A version of one account is listed by functions of others in the same region: the merge adds
those as its consumers. The CLI merged every account at once and the TUI a region at a time,
with two different pieces of code; the CLI's added the other accounts' consumers again when
handed what it had merged, and the TUI's put them in the order the regions arrived.
"""

from __future__ import annotations

import itertools
from typing import Any

from test_org_tui_accounts import scanned
from test_org_tui_state import BILLING, ORDERS, PLATFORM, REGION, SUMMARIES
from ui_fixtures import pilot_test

from layer_tui.aws.account_merge import AccountMerge
from layer_tui.aws.account_scan import merge_accounts, scan_accounts
from layer_tui.aws.accounts import resolve_accounts
from layer_tui.aws.models import (
    LATEST,
    ExternalLayer,
    FunctionRef,
    Inventory,
    Layer,
    LayerVersion,
    RegionInventory,
)
from layer_tui.aws.session import SessionConfig
from layer_tui.sandbox.org_estate import SHARED_REGION, SharedLayers
from layer_tui.ui.app import LayerTuiApp


def layer_arn(account: str, name: str, number: int) -> str:
    return f"arn:aws:lambda:{REGION}:{account}:layer:{name}:{number}"


def function(account: str, name: str, *layers: str) -> FunctionRef:
    return FunctionRef(name, f"arn:aws:lambda:{REGION}:{account}:function:{name}", LATEST,
                       "python3.12", ("x86_64",), REGION, layers=layers)


def region(account: str, layers: tuple[str, ...], *functions: FunctionRef) -> RegionInventory:
    """``account``'s region as its own scan reads it: its versions' consumers are its own
    functions only, another account's versions its functions list are ``external_layers``."""
    built = []
    for arn in layers:
        name, number = arn.rsplit(":", 2)[-2], int(arn.rsplit(":", 1)[-1])
        own = tuple(f for f in functions if arn in f.layers)
        version = LayerVersion(name, number, arn, arn.rsplit(":", 1)[0], REGION, "", 10, "sha",
                               consumers=own)
        built.append(Layer(name, version.layer_arn, REGION, (version,)))
    listed = sorted({arn for f in functions for arn in f.layers} - set(layers))
    external = tuple(ExternalLayer(arn, tuple(f for f in functions if arn in f.layers))
                     for arn in listed)
    return RegionInventory(REGION, layers=tuple(built), external_layers=external,
                           functions=functions, account=account)


OTEL, AUTH, LEDGER = (layer_arn(PLATFORM, "otel", 1), layer_arn(PLATFORM, "auth", 2),
                      layer_arn(BILLING, "ledger", 1))


def estate() -> list[RegionInventory]:
    """platform's otel and auth used by orders and billing (and otel by platform itself);
    billing's ledger used by orders."""
    return [
        region(PLATFORM, (OTEL, AUTH), function(PLATFORM, "platform-api", OTEL)),
        region(ORDERS, (), function(ORDERS, "orders-api", OTEL, AUTH, LEDGER),
               function(ORDERS, "orders-worker", OTEL)),
        region(BILLING, (LEDGER,), function(BILLING, "billing-report", OTEL, LEDGER),
               function(BILLING, "billing-ledger", AUTH)),
    ]


def consumers(regions: Any) -> dict[str, tuple[str, ...]]:
    """Version ARN -> its consumers' ARNs, in order, over every region given."""
    return {version.arn: tuple(c.arn for c in version.consumers)
            for r in regions for layer in r.layers for version in layer.versions}


def test_the_cli_merge_of_a_merged_estate_adds_nothing() -> None:
    """Attack: the CLI's merge handed what it merged (a merged inventory read back, a second
    pass). It added every other account's consumers again: orders-api twice under otel:1.
    Promise: merging again changes nothing; each consumer is listed once."""
    once = merge_accounts(estate())
    assert consumers(merge_accounts(once)) == consumers(once)
    assert consumers(once)[OTEL] == tuple(
        f"arn:aws:lambda:{REGION}:{account}:function:{name}" for account, name in (
            (PLATFORM, "platform-api"), (ORDERS, "orders-api"), (ORDERS, "orders-worker"),
            (BILLING, "billing-report")))


def test_merging_twice_or_in_any_order_gives_the_same_inventory() -> None:
    """Attack: the TUI's regions arrive in any order (accounts race), some twice (a refresh),
    some already merged. A merge whose result followed the arrival order (consumers appended
    as each account came in) or added to what was there showed other rows each run.
    Promise: whatever the order and however often, one region at a time or all at once, the
    inventory is the same: each version's own consumers, then each other account's by id."""
    expected = consumers(merge_accounts(estate()))
    for order in itertools.permutations(estate()):
        merge = AccountMerge()
        for arrived in order:
            merge.add([arrived])
        assert consumers(merge.regions.values()) == expected, [r.account for r in order]
        merge.add(order[:2])  # a refresh of two accounts
        merge.add(list(merge.regions.values()))  # and the merged regions handed back
        assert consumers(merge.regions.values()) == expected
        shown = merge.estate(PLATFORM, SUMMARIES, ())
        assert [r.account for r in shown.regions] == [PLATFORM, ORDERS, BILLING]
        assert consumers(shown.regions) == expected


def test_an_account_moved_off_a_layer_leaves_its_consumers() -> None:
    """Attack: orders' functions stop using otel:1 and orders is rescanned alone.
    Promise: otel:1 loses orders' functions and keeps the others', in their place."""
    merge = AccountMerge(estate())
    merge.add([region(ORDERS, (), function(ORDERS, "orders-api", AUTH, LEDGER))])
    otel = consumers(merge.regions.values())[OTEL]
    assert [arn.rsplit(":", 1)[-1] for arn in otel] == ["platform-api", "billing-report"]


def _by_version(inventory: Inventory) -> dict[str, tuple[str, ...]]:
    return {arn: users for arn, users in consumers(inventory.regions).items()}


@pilot_test
async def test_the_cli_and_the_tui_agree_on_an_organization(org_estate: SharedLayers) -> None:
    """Attack: the same organization read by ``layer-tui inventory --org`` (the engine's
    ``scan_accounts``) and by the app. Two merges could disagree on who uses a version, or
    in which order.
    Promise: every version of every account has the same consumers, in the same order."""
    config = SessionConfig(org=True, endpoint_url=org_estate.sandbox.endpoint_url,
                           regions=(SHARED_REGION,))
    cli = scan_accounts(resolve_accounts(config), [SHARED_REGION])
    app = LayerTuiApp(config, endpoint_label="sandbox")
    async with app.run_test(size=(160, 40)) as pilot:
        await scanned(pilot, app)
        assert app.inventory is not None
        tui = _by_version(app.inventory)
    assert tui == _by_version(cli)
    assert any(len({arn.split(":")[4] for arn in users}) > 1 for users in tui.values()), (
        "the organization has a version used across accounts")
