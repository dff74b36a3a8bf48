"""The model's account additions: one account stays exactly as it was; several are told apart.

These are pure value tests (no AWS): the scan and the JSON output are tested end to end over
the sandbox in tests/test_org_*.py.
"""

from __future__ import annotations

from datetime import UTC, datetime

from layer_tui.aws.models import (
    AccountSummary,
    FunctionRef,
    Inventory,
    RegionError,
    RegionInventory,
)

WHEN = datetime(2026, 11, 22, 19, 0, tzinfo=UTC)
HOME = "111111111111"
OTHER = "222222222222"


def _ref(account: str, name: str = "svc") -> FunctionRef:
    return FunctionRef(
        function=name,
        arn=f"arn:aws:lambda:eu-north-1:{account}:function:{name}",
        version="$LATEST",
        runtime="python3.12",
        architectures=("x86_64",),
        region="eu-north-1",
    )


def test_function_ref_names_the_account_of_its_arn() -> None:
    """Attack: a consumer from another account is taken for one of ours. Promise: a
    FunctionRef's account is the account field of its own ARN, whatever region it is in."""
    assert _ref(OTHER).account == OTHER
    assert _ref(HOME).account == HOME
    assert FunctionRef("x", "not-an-arn", "$LATEST", None, ()).account == ""


def test_one_account_json_is_unchanged() -> None:
    """Attack: the org additions leak into a plain scan's JSON. Promise: with no accounts the
    top level is exactly account, generated_at, regions (PRODUCT.md's one-account shape)."""
    inv = Inventory(account=HOME, generated_at=WHEN, regions=(RegionInventory("eu-north-1"),))
    shape = inv.to_json()
    assert list(shape) == ["account", "generated_at", "regions"]
    assert shape["account"] == HOME
    assert [r["region"] for r in shape["regions"]] == ["eu-north-1"]
    assert not inv.multi_account
    # One account: regions are found by name alone, even when not stamped with the account.
    assert inv.region("eu-north-1") is inv.regions[0]


def test_several_accounts_json_groups_regions_under_each_account() -> None:
    """Attack: regions of two accounts with the same name are merged or mixed up, and a failed
    account vanishes. Promise: the top level is generated_at + accounts; each account lists
    only its own regions; a failed account is there with its error and no regions."""
    failed = RegionError("AccessDenied", "could not assume the role")
    inv = Inventory(
        account=HOME,
        generated_at=WHEN,
        regions=(
            RegionInventory("eu-north-1", account=HOME, functions_scanned=1),
            RegionInventory("eu-north-1", account=OTHER, functions_scanned=2),
        ),
        accounts=(
            AccountSummary(HOME, "management", "caller"),
            AccountSummary(OTHER, "workload", "organization"),
            AccountSummary("333333333333", "gone", "organization", error=failed),
        ),
    )
    shape = inv.to_json()
    assert list(shape) == ["generated_at", "accounts"]
    accounts = shape["accounts"]
    assert [a["account"] for a in accounts] == [HOME, OTHER, "333333333333"]
    assert [a["name"] for a in accounts] == ["management", "workload", "gone"]
    assert [[r["functions_scanned"] for r in a["regions"]] for a in accounts] == [[1], [2], []]
    assert accounts[2]["error"] == {"code": "AccessDenied", "message": "could not assume the role"}
    assert accounts[0]["error"] is None
    assert inv.multi_account
    assert inv.region("eu-north-1") is inv.regions[0]
    assert inv.region("eu-north-1", OTHER) is inv.regions[1]
    assert inv.region("eu-north-1", "333333333333") is None
    assert inv.account_name(OTHER) == "workload"
    assert inv.account_name("444444444444") == "444444444444"
    assert inv.account_regions(OTHER) == (inv.regions[1],)
