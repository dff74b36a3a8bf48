"""A held-out organization no other test has seen, attacked through the real entry points.

The sandbox's own account is the management (``mgmt-audit`` there, no layer). Six members:

- ``core-libs`` publishes, in ``eu-west-1``: ``tracing`` 1 (granted to the organization id),
  2 (granted to ``payments`` only), 3 (granted to the organization, used by no one), and
  ``crypto`` 1 (granted per version to ``search`` and to ``retired``); in ``ap-southeast-2``:
  ``tracing`` 1 (granted to the organization).
- ``payments``: ``pay-api`` was published as version 1 on ``tracing:2`` (alias ``prod``), then
  its $LATEST moved to ``tracing:1`` — so ``tracing:2`` is used only by a published version
  of another account.
- ``search``: ``search-indexer`` on ``crypto:1`` + ``tracing:1`` (eu-west-1), ``search-edge``
  on ap-southeast-2's ``tracing:1``.
- ``analytics``: its own ``pandas-slim`` 1, used by its ``etl`` with ``tracing:1``;
  ap-southeast-2 is not enabled for it.
- ``retired``: ``old-cron`` on ``crypto:1``, and its OrganizationAccountAccessRole is gone.
- ``frozen``: suspended.

The truth each check compares with is read from the sandbox's own (moto's) backends.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from on_screen import DialogHost as Host
from test_safety_delete_dialog import focused_id, settle, shown
from textual.widgets import Button
from ui_fixtures import NOW, pilot_test

from layer_tui.aws.accounts import AccountSessions, resolve_accounts
from layer_tui.aws.delete_check import DeleteAssessment, DeleteCheckChanged, assess_delete
from layer_tui.aws.inventory import scan_region
from layer_tui.aws.journal import Journal
from layer_tui.aws.models import LayerVersion
from layer_tui.aws.operations import LayerOperations
from layer_tui.aws.repin import apply_repin, plan_repin
from layer_tui.aws.session import AwsSession, SessionConfig
from layer_tui.aws.undo import apply_undo, plan_undo
from layer_tui.cli import main
from layer_tui.sandbox import Sandbox
from layer_tui.sandbox.archives import ArchiveBuilder
from layer_tui.sandbox.backends import (
    create_alias,
    create_function,
    publish_function_version,
    publish_layer_version,
    set_function_layers,
)
from layer_tui.sandbox.config_query import put_organization_aggregator
from layer_tui.sandbox.org_estate import grant
from layer_tui.sandbox.organization import SandboxOrganization
from layer_tui.sandbox.seed import DEMO_NOW
from layer_tui.ui.dialogs.delete import DeleteVersionDialog

HOME = "eu-west-1"
FAR = "ap-southeast-2"
REGIONS = (HOME, FAR)
MEMBERS = ("core-libs", "payments", "search", "analytics", "retired", "frozen")


@dataclass(frozen=True)
class Heldout:
    sandbox: Sandbox
    org: SandboxOrganization
    #: "eu-west-1/tracing:2" → its version ARN.
    arns: dict[str, str]

    def account(self, member: str) -> str:
        return self.org.account(member)


def _archive(name: str, version: int) -> bytes:
    builder = ArchiveBuilder()
    builder.add(f"python/{name.replace('-', '_')}/__init__.py", f"V = {version}\n")
    return builder.build()


def seed(sandbox: Sandbox) -> Heldout:
    org = sandbox.create_organization(MEMBERS)
    core, payments, search, analytics, retired = (
        org.account(m) for m in MEMBERS[:5])
    arns: dict[str, str] = {}

    def publish(region: str, account: str, name: str, day: int) -> Any:
        backend = sandbox.lambda_backend(region, account)
        number = len(list(backend.list_layer_versions(name))) + 1 if any(
            layer["LayerName"] == name for layer in backend.list_layers()) else 1
        published = publish_layer_version(
            backend, name, _archive(name, number), created=DEMO_NOW - timedelta(days=day),
            runtimes=["python3.12"])
        arns[f"{region}/{name}:{published.version}"] = published.arn
        return published

    t1 = publish(HOME, core, "tracing", 40)
    grant(t1, "org", "*", organization=org.id)
    t2 = publish(HOME, core, "tracing", 30)
    grant(t2, "payments-only", payments)
    t3 = publish(HOME, core, "tracing", 20)
    grant(t3, "org", "*", organization=org.id)
    c1 = publish(HOME, core, "crypto", 25)
    grant(c1, "search", search)
    grant(c1, "retired", retired)
    far1 = publish(FAR, core, "tracing", 15)
    grant(far1, "org", "*", organization=org.id)
    publish(HOME, analytics, "pandas-slim", 12)

    def function(region: str, account: str, name: str, layers: list[str]) -> None:
        create_function(sandbox.lambda_backend(region, account), name, runtime="python3.12",
                        role_arn=Sandbox.execution_role_arn_for(account), layers=layers,
                        last_modified=DEMO_NOW - timedelta(days=6))

    function(HOME, payments, "pay-api", [arns[f"{HOME}/tracing:2"]])
    pay = sandbox.lambda_backend(HOME, payments)
    publish_function_version(pay, "pay-api", DEMO_NOW - timedelta(days=5))
    create_alias(pay, "pay-api", "prod", "1")
    set_function_layers(pay, "pay-api", [arns[f"{HOME}/tracing:1"]], DEMO_NOW - timedelta(days=4))
    function(HOME, search, "search-indexer",
             [arns[f"{HOME}/crypto:1"], arns[f"{HOME}/tracing:1"]])
    function(FAR, search, "search-edge", [arns[f"{FAR}/tracing:1"]])
    function(HOME, analytics, "etl",
             [arns[f"{HOME}/pandas-slim:1"], arns[f"{HOME}/tracing:1"]])
    function(HOME, retired, "old-cron", [arns[f"{HOME}/crypto:1"]])
    function(HOME, sandbox.account_id, "mgmt-audit", [])
    org.remove_role("retired")
    org.suspend("frozen")
    org.disable_region("analytics", FAR)
    return Heldout(sandbox, org, arns)


@pytest.fixture
def heldout() -> Iterator[Heldout]:
    with Sandbox(regions=REGIONS) as sandbox:
        sandbox.revisions.update_seconds = 0.05
        yield seed(sandbox)


def run_cli(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def org_inventory(heldout: Heldout, capsys: Any, *extra: str) -> tuple[int, Any, str]:
    code, out, err = run_cli(capsys, "--endpoint-url", heldout.sandbox.endpoint_url,
                             "--region", HOME, "--region", FAR, *extra,
                             "inventory", "--json", "--org")
    return code, (json.loads(out) if out else None), err


# -- the truth, from the sandbox's own backends -------------------------------------------

Consumer = tuple[str, str, tuple[str, ...]]  # (function ARN, version, aliases)


def truth(heldout: Heldout, readable: set[str]) -> dict[tuple[str, str], dict[str, Any]]:
    """(account, region) → {"layers": {version ARN: consumers}, "external": {ARN: consumers},
    "functions": count of $LATEST}, for every account the caller can read, in each of its
    enabled regions; consumers are every readable account's functions (all versions)."""
    sandbox = heldout.sandbox
    uses: dict[str, set[Consumer]] = {}
    enabled = {a: [r for r in REGIONS if r in sandbox.regions_of(a).enabled] for a in readable}
    for account in readable:
        for region in enabled[account]:
            backend = sandbox.lambda_backend(region, account)
            for function in backend.list_functions(func_version="ALL"):
                aliases = tuple(sorted(
                    alias.name for alias in backend.list_aliases(function.function_name)
                    if alias.function_version == str(function.version)))
                base = f"arn:aws:lambda:{region}:{account}:function:{function.function_name}"
                for layer in function.layers:
                    uses.setdefault(layer["Arn"], set()).add(
                        (base, str(function.version), aliases))
    world: dict[tuple[str, str], dict[str, Any]] = {}
    for account in readable:
        for region in enabled[account]:
            backend = sandbox.lambda_backend(region, account)
            own = {version.arn: uses.get(version.arn, set())
                   for layer in backend.list_layers()
                   for version in backend.list_layer_versions(layer["LayerName"])}
            mine = f"arn:aws:lambda:{region}:{account}:"
            external = {arn: {c for c in found if c[0].startswith(mine)}
                        for arn, found in uses.items() if not arn.startswith(mine)}
            world[(account, region)] = {
                "layers": own,
                "external": {arn: found for arn, found in external.items() if found},
                "functions": len(list(backend.list_functions())),
            }
    return world


def consumers_of(listed: list[dict[str, Any]]) -> set[Consumer]:
    return {(c["arn"], c["version"], tuple(sorted(c.get("aliases") or ()))) for c in listed}


def listed_world(shape: Any) -> dict[tuple[str, str], dict[str, Any]]:
    """The same shape, from ``inventory --json --org``'s accounts (regions without error)."""
    world: dict[tuple[str, str], dict[str, Any]] = {}
    for account in shape["accounts"]:
        for region in account["regions"]:
            if region["error"] is not None:
                continue
            world[(account["account"], region["region"])] = {
                "layers": {v["arn"]: consumers_of(v["consumers"])
                           for layer in region["layers"] for v in layer["versions"]},
                "external": {x["arn"]: consumers_of(x["consumers"])
                             for x in region["external_layers"]},
                "functions": region["functions_scanned"],
            }
    return world


def readable(heldout: Heldout) -> set[str]:
    return {heldout.sandbox.account_id,
            *(heldout.account(m) for m in ("core-libs", "payments", "search", "analytics"))}


# -- the scan -------------------------------------------------------------------------------


def test_every_readable_account_matches_the_truth_and_each_failure_is_one_row(
    heldout: Heldout, capsys: Any
) -> None:
    """Attack: an organization of six members over two regions, with a missing role, a
    suspended member and a region disabled for one member only; a layer version used only by
    a published version (alias ``prod``) of another account; one used in two regions.
    Promise: ``inventory --json --org`` lists every account once; each readable account's
    every enabled region has exactly the layers, consumers (across accounts, with version and
    alias) and external layers the sandbox holds; the missing role and the suspended member
    are one row each with the reason and ``--exclude-accounts``; analytics'
    ap-southeast-2 is one region row with the reason and its eu-west-1 is whole; stderr is
    one line per failure, never a traceback."""
    code, shape, err = org_inventory(heldout, capsys)
    assert code == 0, err
    by_id = {a["account"]: a for a in shape["accounts"]}
    assert sorted(by_id) == sorted([heldout.sandbox.account_id, *heldout.org.members.values()])
    assert {a["name"] for a in shape["accounts"]} == {"management", *MEMBERS}

    expected = truth(heldout, readable(heldout))
    assert listed_world(shape) == expected
    # The truth is not vacuous: tracing:2's only consumer is payments' published version.
    tracing2 = heldout.arns[f"{HOME}/tracing:2"]
    assert expected[(heldout.account("core-libs"), HOME)]["layers"][tracing2] == {
        (f"arn:aws:lambda:{HOME}:{heldout.account('payments')}:function:pay-api", "1",
         ("prod",))}

    for member, code_word in (("retired", "AssumeRoleFailed"), ("frozen", "AccountSuspended")):
        row = by_id[heldout.account(member)]
        assert row["regions"] == [] and row["error"]["code"] == code_word
        assert f"--exclude-accounts {heldout.account(member)}" in row["error"]["message"]
    # The missing role's line gives AWS's refusal once, in AWS's words (who, what, which
    # role), not wrapped in generic advice about the caller's own policy.
    refused = by_id[heldout.account("retired")]["error"]["message"]
    assert refused.count("AccessDenied") == 1 and "IAM policy" not in refused
    assert "is not authorized to perform: sts:AssumeRole on resource" in refused
    analytics = {r["region"]: r for r in by_id[heldout.account("analytics")]["regions"]}
    assert by_id[heldout.account("analytics")]["error"] is None
    assert analytics[FAR]["error"] is not None and analytics[FAR]["layers"] == []
    assert "not enabled" in analytics[FAR]["error"]["message"]
    assert analytics[HOME]["error"] is None

    lines = err.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith("layer-tui: ") for line in lines)
    assert "Traceback" not in err


def test_narrowing_to_some_accounts_scans_those_whole_and_no_other(
    heldout: Heldout, capsys: Any
) -> None:
    """Attack: ``--exclude-accounts`` of the two broken members (what their lines advise),
    and ``--accounts`` of two members. Promise: excluded members are not listed and nothing
    is said about them; the rest match the truth; ``--accounts`` lists just those two (and
    what a consumer in an unlisted account would add is not claimed)."""
    gone = [heldout.account("retired"), heldout.account("frozen")]
    code, shape, err = org_inventory(heldout, capsys, "--org", "--exclude-accounts",
                                     ",".join(gone))
    assert code == 0, err
    listed = {a["account"] for a in shape["accounts"]}
    assert listed == readable(heldout)
    assert listed_world(shape) == truth(heldout, readable(heldout))
    [line] = err.strip().splitlines()  # only analytics' disabled region is left to say
    assert "ap-southeast-2" in line

    two = {heldout.account("core-libs"), heldout.account("search")}
    code, shape, err = org_inventory(heldout, capsys, "--org", "--accounts", ",".join(sorted(two)))
    assert code == 0, err
    assert {a["account"] for a in shape["accounts"]} == two
    assert listed_world(shape) == truth(heldout, two)
    assert err == ""



def test_an_exclusion_the_organization_does_not_have_is_said_once(
    heldout: Heldout, capsys: Any
) -> None:
    """Attack: ``--exclude-accounts`` with a mistyped id: the account the user meant to leave
    out is scanned anyway, silently. Promise: one line names the id that is not a member and
    says nothing was left out for it; the organization is listed whole, exit 0."""
    typo = "999988887777"
    code, shape, err = org_inventory(heldout, capsys, "--org", "--exclude-accounts", typo)
    assert code == 0, err
    _, plain, _ = org_inventory(heldout, capsys, "--org")
    assert shape["accounts"] == plain["accounts"]
    [said] = [line for line in err.splitlines() if typo in line]
    assert said.startswith("layer-tui: ") and "not an account of the organization" in said
    assert "nothing was left out" in said

def test_a_role_no_member_has_is_one_row_each_and_the_management_is_whole(
    heldout: Heldout, capsys: Any
) -> None:
    """Attack: ``--role-name`` names a role that exists in no member. Promise: each member is
    one row saying the role could not be assumed (suspended: suspended), the management
    account (read with the caller's own keys) is whole, no traceback."""
    code, shape, err = org_inventory(heldout, capsys, "--role-name", "NoSuchRole")
    assert code == 0, err
    by_id = {a["account"]: a for a in shape["accounts"]}
    for member in MEMBERS:
        row = by_id[heldout.account(member)]
        assert row["regions"] == [] and row["error"] is not None
        assert row["error"]["code"] == (
            "AccountSuspended" if member == "frozen" else "AssumeRoleFailed")
    management = by_id[heldout.sandbox.account_id]
    assert management["error"] is None
    assert listed_world({"accounts": [management]}) == truth(heldout, {heldout.sandbox.account_id})
    lines = err.strip().splitlines()
    assert len(lines) == len(MEMBERS) and "Traceback" not in err
    assert all("NoSuchRole" in line for line in lines if "suspended" not in line)


def test_an_aggregator_that_does_not_exist_is_one_line_and_the_rest_is_shown(
    heldout: Heldout, capsys: Any
) -> None:
    """Attack: ``--index config:nope`` names no Config aggregator. Promise (issue 16, "Bad
    input"): one line naming the aggregator, its region and what to do, never a traceback; the
    organization is still listed, exit 0."""
    code, shape, err = org_inventory(heldout, capsys, "--index", "config:nope")
    assert code == 0 and shape is not None
    _, plain, _ = org_inventory(heldout, capsys)  # the same organization without --index
    assert plain is not None and shape["accounts"] == plain["accounts"]
    [line] = [line for line in err.strip().splitlines() if "'nope'" in line]
    assert line.startswith("layer-tui: warning: ") and HOME in line
    assert "leave out --index" in line and "Traceback" not in err


def test_the_organization_aggregator_adds_the_consumer_no_role_reaches(
    heldout: Heldout, capsys: Any
) -> None:
    """Attack: crypto:1 (published by a member, not the management) is also used by retired's
    old-cron, which no scan can read (its role is gone); the management's aggregator covers
    every region of the organization. Promise: with ``--index config:org-heldout``,
    crypto:1 lists old-cron marked "from AWS Config" beside search's search-indexer (the
    scan's, once); every other consumer is exactly the scan's truth, nothing added twice;
    the three failure lines are still said."""
    put_organization_aggregator(heldout.sandbox.account_id, [HOME], name="org-heldout")
    code, shape, err = org_inventory(heldout, capsys, "--index", "config:org-heldout")
    assert code == 0, err
    crypto = heldout.arns[f"{HOME}/crypto:1"]
    core = next(a for a in shape["accounts"] if a["account"] == heldout.account("core-libs"))
    home = next(r for r in core["regions"] if r["region"] == HOME)
    listed = next(v["consumers"] for layer in home["layers"] for v in layer["versions"]
                  if v["arn"] == crypto)
    assert sorted((c["function"], c["arn"].split(":")[4], c.get("from")) for c in listed) == [
        ("old-cron", heldout.account("retired"), "AWS Config"),
        ("search-indexer", heldout.account("search"), None),
    ]
    expected = truth(heldout, readable(heldout))
    expected[(heldout.account("core-libs"), HOME)]["layers"][crypto].add(
        (f"arn:aws:lambda:{HOME}:{heldout.account('retired')}:function:old-cron", "$LATEST",
         ()))
    assert listed_world(shape) == expected
    failures = [line for line in err.splitlines() if "--exclude-accounts" in line
                or "not enabled" in line]
    assert len(failures) == 3 and "Traceback" not in err


def test_a_member_caller_cannot_list_the_organization_one_line_and_itself_whole(
    heldout: Heldout, capsys: Any, tmp_path: Any
) -> None:
    """Attack: ``--org`` from the ``search`` member's own keys (ListAccounts is denied to a
    member). Promise: one line saying who may list the accounts; search itself is listed and
    matches the truth of what search alone reads."""
    key, secret = heldout.sandbox.credentials_for(heldout.account("search"))
    (tmp_path / "aws").mkdir(exist_ok=True)
    (tmp_path / "aws" / "credentials").write_text(
        f"[search]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n")
    code, shape, err = org_inventory(heldout, capsys, "--profile", "search")
    assert code == 0, err
    assert [a["account"] for a in shape["accounts"]] == [heldout.account("search")]
    assert listed_world(shape) == truth(heldout, {heldout.account("search")})
    [line] = err.strip().splitlines()
    assert "may not list the organization's accounts" in line


# -- changes through the core, with the --org sessions --------------------------------------


def org_ops(heldout: Heldout, tmp_path: Any) -> tuple[AccountSessions, LayerOperations]:
    config = SessionConfig(endpoint_url=heldout.sandbox.endpoint_url, regions=REGIONS,
                           org=True, rate_per_second=500.0)
    accounts = resolve_accounts(config)
    ops = LayerOperations(AwsSession(config), Journal(tmp_path / "journal.jsonl"),
                          tmp_path / "backups", accounts=accounts)
    return accounts, ops


def core_version(accounts: AccountSessions, heldout: Heldout, region: str, name: str,
                 number: int) -> LayerVersion:
    session = accounts.get(heldout.account("core-libs"))
    assert session is not None
    scanned = scan_region(session, region)
    layer = next(layer for layer in scanned.layers if layer.name == name)
    return next(v for v in layer.versions if v.version == number)


def versions_left(heldout: Heldout, region: str, name: str) -> list[int]:
    backend = heldout.sandbox.lambda_backend(region, heldout.account("core-libs"))
    return sorted(int(v.version) for v in backend.list_layer_versions(name))


def test_a_version_used_only_by_another_accounts_alias_is_not_deleted_on_a_plain_confirm(
    heldout: Heldout, tmp_path: Any
) -> None:
    """Attack: tracing:2's only user is payments' pay-api version 1 behind alias ``prod``
    ($LATEST moved on); core-libs' own scan sees no consumer. The operator confirms plainly,
    and then confirms what core-libs alone reads (its grant, no consumer). Promise: nothing is
    deleted either time; the refusal names pay-api:1 (alias prod) in payments, by id and
    name, and says retired could not be checked."""
    accounts, ops = org_ops(heldout, tmp_path)
    version = core_version(accounts, heldout, HOME, "tracing", 2)
    assert version.consumers == ()
    core = accounts.get(heldout.account("core-libs"))
    assert core is not None
    alone = assess_delete(core, ops.journal, version)
    assert alone.consumers == () and alone.grants  # what one account sees

    payments, retired = heldout.account("payments"), heldout.account("retired")
    for confirmed in (DeleteAssessment(version.arn, live=True), alone):
        with pytest.raises(DeleteCheckChanged) as refused:
            ops.delete_layer_version(version, confirmed)
        message = str(refused.value)
        assert f"pay-api:1 (alias prod) in account {payments} (payments)" in message
        assert f"could not check account {retired} (retired)" in message
        assert versions_left(heldout, HOME, "tracing") == [1, 2, 3]


def test_a_version_in_the_second_region_is_checked_in_that_region_of_every_account(
    heldout: Heldout, tmp_path: Any
) -> None:
    """Attack: ap-southeast-2's tracing:1 has the same name and number as eu-west-1's; its only
    user is search's search-edge there (eu-west-1's users are others). A plain confirm.
    Promise: refused, naming search-edge in search (and no eu-west-1 function); nothing is
    deleted in either region."""
    accounts, ops = org_ops(heldout, tmp_path)
    version = core_version(accounts, heldout, FAR, "tracing", 1)
    reading = assess_delete(ops.session, ops.journal, version, accounts=ops.accounts)
    assert [(ref.arn, ref.version) for ref in reading.consumers] == [
        (f"arn:aws:lambda:{FAR}:{heldout.account('search')}:function:search-edge", "$LATEST")]
    with pytest.raises(DeleteCheckChanged) as refused:
        ops.delete_layer_version(version, DeleteAssessment(version.arn, live=True))
    message = str(refused.value)
    search = heldout.account("search")
    assert f"search-edge ($LATEST) in account {search} (search)" in message
    assert "pay-api" not in message and "etl" not in message
    assert versions_left(heldout, FAR, "tracing") == [1]
    assert versions_left(heldout, HOME, "tracing") == [1, 2, 3]


def test_the_live_reading_names_every_consumer_account_and_is_typed_to_delete(
    heldout: Heldout, tmp_path: Any
) -> None:
    """Attack: crypto:1 is used by search (visible) and retired (role gone, invisible);
    tracing:3 is used by no one, but retired cannot be read. Promise: the reading the dialog
    shows names search-indexer in search, retired and the suspended frozen as unchecked, and
    wants the typed name; tracing:3 also wants it (granted, retired unchecked) — and,
    confirmed with what was shown, it is deleted by core-libs' session and journaled under
    core-libs, the rest kept."""
    accounts, ops = org_ops(heldout, tmp_path)
    crypto = core_version(accounts, heldout, HOME, "crypto", 1)
    reading = assess_delete(ops.session, ops.journal, crypto, accounts=ops.accounts)
    assert reading.needs_typed_name
    assert {(ref.arn, ref.version) for ref in reading.consumers} == {
        (f"arn:aws:lambda:{HOME}:{heldout.account('search')}:function:search-indexer",
         "$LATEST")}
    assert sorted(u.account for u in reading.unchecked) == sorted(
        [heldout.account("retired"), heldout.account("frozen")])

    spare = core_version(accounts, heldout, HOME, "tracing", 3)
    shown_now = assess_delete(ops.session, ops.journal, spare, accounts=ops.accounts)
    assert shown_now.consumers == () and shown_now.needs_typed_name
    ops.delete_layer_version(spare, shown_now)
    assert versions_left(heldout, HOME, "tracing") == [1, 2]
    assert versions_left(heldout, FAR, "tracing") == [1]
    [line] = [e for e in ops.journal.entries()
              if e.action == "DeleteLayerVersion" and e.phase == "before"]
    assert line.account == heldout.account("core-libs")


@pytest.mark.frozen_clock(NOW)
@pilot_test
async def test_the_dialog_wants_the_name_for_a_version_only_another_accounts_alias_uses(
    heldout: Heldout, tmp_path: Any
) -> None:
    """Attack: in the delete dialog for tracing:2 (its only user payments' pay-api:1 behind
    alias ``prod``), the user presses enter in the empty field, clicks Delete, types another
    version's name, enters and clicks Delete again. Promise: the dialog names pay-api:1
    (alias prod) with payments' id and name and retired as not checked, focuses the
    typed-name field; Delete stays disabled until ``tracing:2`` is typed, and nothing of
    the above deletes anything (the dialog stays open)."""
    accounts, ops = org_ops(heldout, tmp_path)
    version = core_version(accounts, heldout, HOME, "tracing", 2)
    payments, retired = heldout.account("payments"), heldout.account("retired")
    dialog = DeleteVersionDialog(ops, [version])
    app = Host(dialog)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(app, pilot)
        text = shown(app)
        assert f"pay-api:1 (alias prod) in account {payments} (payments)" in text
        assert f"could not check account {retired} (retired)" in text
        assert focused_id(app) == "confirm-name"
        delete = dialog.query_one("#delete", Button)
        await pilot.press("enter")
        await pilot.click("#delete")
        await settle(app, pilot)
        await pilot.press(*"tracing:3", "enter")
        await pilot.click("#delete")
        await settle(app, pilot)
        assert app.screen is dialog and delete.disabled
        assert versions_left(heldout, HOME, "tracing") == [1, 2, 3]
        await pilot.press(*["backspace"] * 9, *"tracing:2")
        await pilot.pause()
        assert not delete.disabled  # the typed name, and only it, opens the way
    assert versions_left(heldout, HOME, "tracing") == [1, 2, 3]


def layer_arns(heldout: Heldout, member: str, function: str) -> list[str]:
    backend = heldout.sandbox.lambda_backend(HOME, heldout.account(member))
    return [layer["Arn"] for layer in backend.get_function(function).layers]


def test_a_repin_across_two_members_journals_each_and_undo_restores_both(
    heldout: Heldout, tmp_path: Any
) -> None:
    """Attack: one plan moves search's search-indexer and analytics' etl from tracing:1 to
    tracing:3 (both carry another layer that must stay put, in its place). Promise: each
    update is sent to its own account (its journal line says which), the other layers are
    untouched; undo puts both back on tracing:1 through their own accounts, and leaves
    payments' pay-api (also on tracing:1, not in the plan) alone throughout."""
    _, ops = org_ops(heldout, tmp_path)
    one, three = heldout.arns[f"{HOME}/tracing:1"], heldout.arns[f"{HOME}/tracing:3"]
    crypto, pandas = heldout.arns[f"{HOME}/crypto:1"], heldout.arns[f"{HOME}/pandas-slim:1"]
    search, analytics = heldout.account("search"), heldout.account("analytics")
    functions = [f"arn:aws:lambda:{HOME}:{search}:function:search-indexer",
                 f"arn:aws:lambda:{HOME}:{analytics}:function:etl"]
    plan = plan_repin(ops, HOME, three, functions)
    assert [item.blocked for item in plan.items] == [None, None]
    report = apply_repin(ops, plan)
    assert report.count("moved") == 2, report.outcomes
    assert layer_arns(heldout, "search", "search-indexer") == [crypto, three]
    assert layer_arns(heldout, "analytics", "etl") == [pandas, three]
    assert layer_arns(heldout, "payments", "pay-api") == [one]

    def updates(kind: str) -> list[tuple[str, str]]:
        return sorted((e.account, str(e.args["FunctionName"])) for e in ops.journal.entries()
                      if e.action == "UpdateFunctionConfiguration" and e.phase == "after"
                      and e.ok and e.extra.get("kind") == kind)

    assert updates("repin") == sorted(zip([search, analytics], functions, strict=True))

    found = plan_undo(ops)
    assert found is not None
    batch, undo = found
    assert undo.problem is None and [item.blocked for item in undo.items] == [None, None]
    report = apply_undo(ops, batch, undo)
    assert report.count("moved") == 2, report.outcomes
    assert layer_arns(heldout, "search", "search-indexer") == [crypto, one]
    assert layer_arns(heldout, "analytics", "etl") == [pandas, one]
    assert layer_arns(heldout, "payments", "pay-api") == [one]
    assert updates("undo") == updates("repin")
    assert plan_undo(ops) is None
