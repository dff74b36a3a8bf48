"""An AWS Organization scanned end to end over HTTP: every account, one estate, failures as rows.

The held-out organization: the sandbox's own account is the management; "platform" publishes a
layer granted to "workload-a" only, whose function pins it; "workload-b" has a layer of its
own; "broken" lost its OrganizationAccountAccessRole; "paused" is suspended. Everything goes
through ``layer-tui inventory`` (the CLI) or the engine's own entry points, against the
sandbox's real HTTP endpoint, credentials from STS AssumeRole.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from layer_tui.aws.accounts import resolve_accounts
from layer_tui.aws.session import SessionConfig
from layer_tui.cli import main
from layer_tui.sandbox import Sandbox
from layer_tui.sandbox.organization import SandboxOrganization

REGION = "eu-west-1"
MEMBERS = ("platform", "workload-a", "workload-b", "broken", "paused")


def tiny_zip(marker: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("python/marker.py", f"MARKER = {marker!r}\n")
    return buf.getvalue()


def make_function(sandbox: Sandbox, account: str, name: str, layers: list[str]) -> str:
    lam = sandbox.client("lambda", REGION, account=account)
    return str(lam.create_function(
        FunctionName=name, Runtime="python3.12",
        Role=f"arn:aws:iam::{account}:role/layer-tui-sandbox-execution", Handler="app.handler",
        Code={"ZipFile": tiny_zip(name)}, Layers=layers,
    )["FunctionArn"])


@pytest.fixture(scope="module")
def org_sandbox() -> Iterator[tuple[Sandbox, SandboxOrganization, str]]:
    with Sandbox(regions=(REGION,)) as sandbox:
        org = sandbox.create_organization(MEMBERS)
        platform = org.members["platform"]
        lam = sandbox.client("lambda", REGION, account=platform)
        otel = lam.publish_layer_version(LayerName="otel", Content={"ZipFile": tiny_zip("o1")},
                                         CompatibleRuntimes=["python3.12"])
        lam.add_layer_version_permission(
            LayerName="otel", VersionNumber=otel["Version"], StatementId="workload-a",
            Action="lambda:GetLayerVersion", Principal=org.members["workload-a"],
        )
        make_function(sandbox, org.members["workload-a"], "checkout", [otel["LayerVersionArn"]])
        b = sandbox.client("lambda", REGION, account=org.members["workload-b"])
        b.publish_layer_version(LayerName="own", Content={"ZipFile": tiny_zip("b1")})
        org.remove_role("broken")
        org.suspend("paused")
        yield sandbox, org, str(otel["LayerVersionArn"])


def run_cli(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_org_json_lists_every_account_and_the_cross_account_consumer(
    org_sandbox: tuple[Sandbox, SandboxOrganization, str], capsys: Any
) -> None:
    """Attack: a layer version used only from another account looks unused to its publisher,
    and one member whose role is gone (or that is suspended) hides or breaks the rest.
    Promise: ``inventory --json --org`` has a top-level ``accounts`` list with every member;
    the publisher's version lists the other account's function as a consumer (its ARN says
    which account); the consumer's own region still lists it as an external layer; the
    member without a role and the suspended one are each one entry with the reason and what
    to do, and every other account is whole."""
    sandbox, org, otel_arn = org_sandbox
    code, out, err = run_cli(capsys, "--endpoint-url", sandbox.endpoint_url,
                             "--region", REGION, "inventory", "--json", "--org")
    assert code == 0, err
    shape = json.loads(out)
    assert list(shape) == ["generated_at", "accounts"]
    by_id = {a["account"]: a for a in shape["accounts"]}
    assert set(by_id) == {sandbox.account_id, *org.members.values()}
    assert by_id[org.members["platform"]]["name"] == "platform"

    platform = by_id[org.members["platform"]]
    assert platform["error"] is None
    [region] = platform["regions"]
    [otel] = [layer for layer in region["layers"] if layer["name"] == "otel"]
    consumers = otel["versions"][0]["consumers"]
    assert [c["function"] for c in consumers] == ["checkout"]
    assert consumers[0]["arn"].split(":")[4] == org.members["workload-a"]

    workload_a = by_id[org.members["workload-a"]]["regions"][0]
    assert [x["arn"] for x in workload_a["external_layers"]] == [otel_arn]

    workload_b = by_id[org.members["workload-b"]]
    assert workload_b["error"] is None
    assert [layer["name"] for layer in workload_b["regions"][0]["layers"]] == ["own"]

    broken = by_id[org.members["broken"]]
    assert broken["regions"] == []
    assert broken["error"]["code"] == "AssumeRoleFailed"
    assert "OrganizationAccountAccessRole" in broken["error"]["message"]
    assert f"--exclude-accounts {org.members['broken']}" in broken["error"]["message"]
    paused = by_id[org.members["paused"]]
    assert paused["error"]["code"] == "AccountSuspended"
    assert paused["regions"] == []
    # One line each on stderr, never a traceback.
    lines = err.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("layer-tui: ") for line in lines)
    assert "Traceback" not in err


def test_org_text_has_an_account_column_with_names(
    org_sandbox: tuple[Sandbox, SandboxOrganization, str], capsys: Any
) -> None:
    """Attack: two accounts' layers in one region are printed as one account's.
    Promise: the text output names the accounts in the header and each row's account (by its
    organization name), and a failed account is one row with its error."""
    sandbox, _, _ = org_sandbox
    code, out, _ = run_cli(capsys, "--endpoint-url", sandbox.endpoint_url,
                           "--region", REGION, "inventory", "--org")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith(f"{len(MEMBERS) + 1} accounts (2 could not be read)")
    assert lines[1].split()[:2] == ["ACCOUNT", "REGION"]
    rows = [line.split() for line in lines[2:]]
    [otel] = [r for r in rows if r[:3] == ["platform", REGION, "otel"]]
    assert otel[3] == "1" and otel[-1] == "1"  # version 1, its one consumer (another account)
    assert any(r[0] == "broken" and r[-1] == "AssumeRoleFailed" for r in rows)


def test_accounts_narrow_and_exclude_the_organization(
    org_sandbox: tuple[Sandbox, SandboxOrganization, str], capsys: Any
) -> None:
    """Attack: --accounts / --exclude-accounts ignored (every account scanned anyway), or an
    id that is not a member silently dropped. Promise: only the chosen accounts appear, an
    excluded one not at all, and an id outside the organization is a row saying so."""
    sandbox, org, _ = org_sandbox
    chosen = f"{org.members['platform']},999999999999"
    code, out, _ = run_cli(capsys, "--endpoint-url", sandbox.endpoint_url, "--region", REGION,
                           "inventory", "--json", "--org", "--accounts", chosen)
    assert code == 0
    accounts = json.loads(out)["accounts"]
    assert [a["account"] for a in accounts] == [org.members["platform"], "999999999999"]
    assert accounts[0]["error"] is None
    assert accounts[1]["error"]["code"] == "NotInOrganization"

    left_out = f"{org.members['broken']},{org.members['paused']}"
    code, out, err = run_cli(capsys, "--endpoint-url", sandbox.endpoint_url, "--region", REGION,
                             "inventory", "--json", "--org", "--exclude-accounts", left_out)
    assert code == 0 and err == ""
    accounts = json.loads(out)["accounts"]
    assert {a["account"] for a in accounts} == {
        sandbox.account_id, org.members["platform"], org.members["workload-a"],
        org.members["workload-b"],
    }
    assert all(a["error"] is None and a["regions"] for a in accounts)


def test_member_sessions_use_refreshable_assumed_credentials_kept_in_memory(
    org_sandbox: tuple[Sandbox, SandboxOrganization, str], tmp_path: Path
) -> None:
    """Attack: a member's session borrows the caller's credentials (so it acts as the
    management account), stops working when the assumed keys expire, or leaves the keys on
    disk. Promise: each member's session is that account (STS says so), its credentials are
    refreshed by botocore once they are due, and no file written holds the keys."""
    sandbox, org, _ = org_sandbox
    config = SessionConfig(endpoint_url=sandbox.endpoint_url, regions=(REGION,), org=True)
    accounts = resolve_accounts(config)
    member = org.members["workload-a"]
    session = accounts.get(member)
    assert session is not None
    sts = session.client("sts", REGION)
    assert sts.get_caller_identity()["Account"] == member
    credentials: Any = session.botocore_session().get_credentials()
    first = credentials.get_frozen_credentials().access_key
    assert first not in ("testing", "")
    # The keys' hour is up (and the fetcher's memory of them gone): botocore assumes again.
    credentials._refresh_using.__self__._cache.clear()
    credentials._expiry_time = credentials._time_fetcher() - timedelta(seconds=1)
    assert credentials.get_frozen_credentials().access_key != first
    assert sts.get_caller_identity()["Account"] == member
    assert accounts.for_arn(f"arn:aws:lambda:{REGION}:{member}:function:checkout") is session
    assert accounts.for_arn(f"arn:aws:lambda:{REGION}:{org.members['broken']}:function:x") is None
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert not [p for p in written if first in p.read_text(errors="replace")]


def test_each_account_is_cached_under_its_own_account(
    org_sandbox: tuple[Sandbox, SandboxOrganization, str], capsys: Any, tmp_path: Path
) -> None:
    """Attack: several accounts' regions of the same name overwrite each other in the cache
    (one file per region), so the next scan shows one account's layers under another's, or
    asks every size again. Promise: each account's regions are cached under that account
    alone, with that account's own layers; the next scan takes the sizes from there (no
    GetLayerVersion) and answers the same."""
    sandbox, org, _ = org_sandbox
    argv = ("--endpoint-url", sandbox.endpoint_url, "--region", REGION, "inventory", "--json",
            "--org")
    code, first, _ = run_cli(capsys, *argv)
    assert code == 0
    cache = tmp_path / "xdg" / "cache" / "layer-tui"
    folders = {p.parent.name.split("@")[0]: p for p in cache.rglob(f"{REGION}.json")}
    reachable = {sandbox.account_id, org.members["platform"], org.members["workload-a"],
                 org.members["workload-b"]}
    assert set(folders) == reachable
    assert "otel" in folders[org.members["platform"]].read_text()
    assert "otel" not in folders[org.members["workload-b"]].read_text()
    sandbox.stats.reset()
    code, second, _ = run_cli(capsys, *argv)
    assert code == 0
    assert sandbox.stats.calls("GetLayerVersion") == 0
    strip = lambda text: {a["account"]: a["regions"] for a in json.loads(text)["accounts"]}  # noqa: E731
    assert strip(second) == strip(first)


def test_read_only_org_still_assumes_roles_and_lists(
    org_sandbox: tuple[Sandbox, SandboxOrganization, str], capsys: Any
) -> None:
    """Attack: --read-only refuses the calls --org needs (ListAccounts, AssumeRole are not
    changes), so a read-only operator sees nothing of the organization. Promise: read-only
    lists every reachable account as without it."""
    sandbox, org, _ = org_sandbox
    code, out, _ = run_cli(capsys, "--endpoint-url", sandbox.endpoint_url, "--region", REGION,
                           "--read-only", "inventory", "--json", "--org")
    assert code == 0
    accounts = {a["account"]: a for a in json.loads(out)["accounts"]}
    for name in ("platform", "workload-a", "workload-b"):
        assert accounts[org.members[name]]["error"] is None
        assert accounts[org.members[name]]["regions"][0]["error"] is None
