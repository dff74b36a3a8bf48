"""Bad input with several accounts: one clear line each, the rest of the accounts still shown.

Options that do not go together, malformed account ids and role names are refused before any
call (exit 2, one line). An organization the caller cannot list, and a profile whose SSO
session has expired, are one line saying what to do; every other account is scanned whole.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import botocore.credentials
import botocore.tokens
import pytest

from layer_tui.cli import main
from layer_tui.sandbox import Sandbox

REGION = "eu-west-1"


def run_cli(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--accounts", "111122223333", "inventory"], "--accounts narrows the accounts of --org"),
        (["--exclude-accounts", "111122223333", "inventory"], "needs it; add --org"),
        (["--org", "--accounts", "1234", "inventory"], "'1234' is not an account id"),
        (["--org", "--accounts", "11112222333a", "inventory"], "is 12 digits"),
        (["--org", "--accounts", ",", "inventory"], "names no account"),
        (["--org", "--accounts", "111122223333", "--exclude-accounts", "111122223333",
          "inventory"], "both in --accounts and --exclude-accounts"),
        (["--role-name", "Admin", "inventory"], "--role-name is the role --org assumes"),
        (["--org", "--role-name", "bad name!", "inventory"], "is not an IAM role name"),
        (["--org", "--profile", "a", "--profile", "b", "inventory"],
         "give one --profile with --org"),
        (["--org", "inspect", "arn:aws:lambda:eu-west-1:111122223333:layer:geo:1"],
         "inspect works in one account"),
        (["--profile", "a", "--profile", "b", "pull", "fn", "--to", "x"],
         "pull works in one account and takes no several --profile"),
    ],
)
def test_bad_account_options_are_one_line_and_exit_2(
    argv: list[str], says: str, capsys: Any
) -> None:
    """Attack: contradictory or malformed account options are ignored (every account scanned)
    or crash. Promise: exit 2 and one line naming the option and what to do, before any AWS
    call (there is no endpoint here to call)."""
    code, out, err = run_cli(capsys, *argv)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("layer-tui: ")
    assert says in lines[0]


def test_org_not_in_use_shows_the_caller_alone_with_one_line(capsys: Any) -> None:
    """Attack: --org in an account outside any organization fails outright (or shows nothing).
    Promise: the caller's own account is shown, and one line says it is in no organization
    and what to use instead."""
    with Sandbox(regions=(REGION,)) as sandbox:
        sandbox.client("lambda", REGION).publish_layer_version(
            LayerName="mine", Content={"ZipFile": b"PK\x05\x06" + b"\0" * 18})
        code, out, err = run_cli(capsys, "--endpoint-url", sandbox.endpoint_url,
                                 "--region", REGION, "inventory", "--json", "--org")
    assert code == 0
    accounts = json.loads(out)["accounts"]
    assert [a["account"] for a in accounts] == [sandbox.account_id]
    assert [layer["name"] for layer in accounts[0]["regions"][0]["layers"]] == ["mine"]
    [line] = err.strip().splitlines()
    assert "is not in an AWS Organization" in line and "several --profile" in line


def test_member_cannot_list_the_organization_one_line_and_itself_shown(
    capsys: Any, tmp_path: Path
) -> None:
    """Attack: --org run from a member account (AccessDenied on ListAccounts) dies with a
    traceback. Promise: one line saying who may list the accounts, and the caller's account
    still shown."""
    with Sandbox(regions=(REGION,)) as sandbox:
        org = sandbox.create_organization(["workload"])
        key, secret = sandbox.credentials_for(org.members["workload"])
        (tmp_path / "aws").mkdir(exist_ok=True)
        (tmp_path / "aws" / "credentials").write_text(
            f"[workload]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n")
        code, out, err = run_cli(capsys, "--endpoint-url", sandbox.endpoint_url, "--region",
                                 REGION, "--profile", "workload", "inventory", "--json", "--org")
    assert code == 0
    assert [a["account"] for a in json.loads(out)["accounts"]] == [org.members["workload"]]
    [line] = err.strip().splitlines()
    assert "may not list the organization's accounts" in line
    assert "management account and a delegated administrator" in line


def _expired_sso_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A profile ``sso`` whose cached SSO token expired long ago (no refresh possible): what
    botocore finds when 'aws sso login' is due. The token cache is a folder of the test's."""
    cache = tmp_path / "sso-cache"
    cache.mkdir()
    monkeypatch.setattr(botocore.tokens.SSOTokenProvider, "_SSO_TOKEN_CACHE_DIR", str(cache))
    monkeypatch.setattr(botocore.credentials.SSOProvider, "_SSO_TOKEN_CACHE_DIR", str(cache))
    (cache / f"{hashlib.sha1(b'corp').hexdigest()}.json").write_text(json.dumps({
        "startUrl": "https://corp.example/start", "region": REGION, "accessToken": "old",
        "expiresAt": "2020-01-01T00:00:00Z",
    }))
    config = tmp_path / "aws" / "config"
    config.parent.mkdir(exist_ok=True)
    config.write_text(
        "[profile sso]\nsso_session = corp\nsso_account_id = 111122223333\n"
        "sso_role_name = Admin\nregion = eu-west-1\n"
        "[sso-session corp]\nsso_start_url = https://corp.example/start\n"
        "sso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n"
    )


def test_expired_sso_profile_is_one_row_and_the_other_profiles_are_whole(
    capsys: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Attack: one expired SSO session among several profiles stops the whole scan with
    botocore's words. Promise: that profile is one entry (and one line) saying to run
    'aws sso login --profile sso'; the other profile's account is scanned whole."""
    _expired_sso_profile(tmp_path, monkeypatch)
    with Sandbox(regions=(REGION,)) as sandbox:
        key, secret = sandbox.credentials_for("222233334444")
        (tmp_path / "aws" / "credentials").write_text(
            f"[work]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n")
        sandbox.client("lambda", REGION, account="222233334444").publish_layer_version(
            LayerName="work-layer", Content={"ZipFile": b"PK\x05\x06" + b"\0" * 18})
        code, out, err = run_cli(capsys, "--endpoint-url", sandbox.endpoint_url, "--region",
                                 REGION, "--profile", "work", "--profile", "sso",
                                 "inventory", "--json")
    assert code == 0
    work, sso = json.loads(out)["accounts"]
    assert (work["account"], work["name"], work["error"]) == ("222233334444", "work", None)
    assert [layer["name"] for layer in work["regions"][0]["layers"]] == ["work-layer"]
    assert sso["name"] == "sso" and sso["regions"] == []
    assert sso["error"]["code"] == "ExpiredCredentials"
    assert "aws sso login --profile sso" in sso["error"]["message"]
    [line] = err.strip().splitlines()
    assert "aws sso login --profile sso" in line


def test_expired_sso_caller_of_org_is_one_line_saying_what_to_run(
    capsys: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Attack: --org from an expired SSO profile prints botocore's "Token has expired and
    refresh failed". Promise: one line naming the profile and 'aws sso login', exit 1."""
    _expired_sso_profile(tmp_path, monkeypatch)
    code, out, err = run_cli(capsys, "--endpoint-url", "http://127.0.0.1:9", "--region",
                             REGION, "--profile", "sso", "inventory", "--org")
    assert code == 1 and out == ""
    [line] = err.strip().splitlines()
    assert "aws sso login --profile sso" in line
