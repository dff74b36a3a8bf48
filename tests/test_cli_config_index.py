"""``inventory --index config:NAME`` from the command line, against the sandbox over HTTP.

Promises: a version's consumers include the functions the Config index knows in accounts the
scan did not read, marked "from AWS Config" with their "as of" (JSON), counted (text), and
stderr says how many were added and as of when; a missing aggregator is one line, exit 2, and
no scan; a region the aggregator lacks is one warning and the inventory is still whole; a bad
``--index`` value or one given to a command that takes none is one line and no call.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from config_estate import (
    REGION,
    add_function,
    publish_layer,
    put_aggregator,
    serve_config,
)

from layer_tui import cli
from layer_tui.sandbox import Sandbox


def _run(sandbox: Sandbox, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    code = cli.main(["--endpoint-url", sandbox.endpoint_url, "--region", REGION, *args])
    return code, capsys.readouterr()


def _consumers(document: dict[str, Any], arn: str) -> list[dict[str, Any]]:
    (region,) = document["regions"]
    return next(v["consumers"] for layer in region["layers"] for v in layer["versions"]
                if v["arn"] == arn)


def test_json_includes_the_index_s_consumers_marked_and_stderr_says_so(
    sandbox: Sandbox, second_account: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Attack: the version's only other user lives in an account no scan reads. Promise: the
    JSON lists it, marked from AWS Config with the time, next to the scan's own consumer."""
    (old,) = publish_layer(sandbox, versions=1)
    add_function(sandbox.account_id, "home-fn", [old])
    add_function(second_account, "workload-fn", [old])
    put_aggregator(sandbox, [sandbox.account_id, second_account])
    serve_config(sandbox)
    code, out = _run(sandbox, capsys, "inventory", "--json", "--index", "config:org-lambda")
    assert code == 0, out.err
    consumers = _consumers(json.loads(out.out), old)
    assert [(c["function"], c.get("from"), c.get("as_of")) for c in consumers] == [
        ("home-fn", None, None), ("workload-fn", "AWS Config", "2026-11-20T09:00:00Z"),
    ]
    assert f":{second_account}:function:workload-fn" in consumers[1]["arn"]
    assert "1 consumer in accounts not scanned added from AWS Config, as of 2026-11-20 09:00 UTC" \
        in out.err


def test_text_counts_the_index_s_consumers(
    sandbox: Sandbox, second_account: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Attack: the text table counts the scan alone. Promise: 2 consumers, not 1."""
    (old,) = publish_layer(sandbox, versions=1)
    add_function(sandbox.account_id, "home-fn", [old])
    add_function(second_account, "workload-fn", [old])
    put_aggregator(sandbox, [sandbox.account_id, second_account])
    serve_config(sandbox)
    code, out = _run(sandbox, capsys, "--index", "config:org-lambda", "inventory")
    assert code == 0, out.err
    (row,) = [line for line in out.out.splitlines() if " otel " in f" {line} "]
    assert row.split()[-1] == "2"


def test_a_missing_aggregator_is_one_warning_and_the_inventory_is_whole(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """Attack: a typo in the aggregator's name. Promise (issue 16, "Bad input": the rest still
    shown): one warning line naming it and what to do, the scan's inventory whole, exit 0."""
    (old,) = publish_layer(sandbox, versions=1)
    add_function(sandbox.account_id, "home-fn", [old])
    serve_config(sandbox)
    code, out = _run(sandbox, capsys, "inventory", "--json", "--index", "config:org-lamda")
    assert code == 0, out.err
    assert [c["function"] for c in _consumers(json.loads(out.out), old)] == ["home-fn"]
    (line,) = out.err.strip().splitlines()
    assert line.startswith("layer-tui: warning: ") and "'org-lamda'" in line
    assert "--index" in line and "the scan's alone" in line


def test_a_region_the_aggregator_lacks_warns_and_the_inventory_is_whole(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """Attack: the aggregator does not collect the scanned region. Promise: one warning line,
    the scan's consumers all there, exit 0."""
    (old,) = publish_layer(sandbox, versions=1)
    add_function(sandbox.account_id, "home-fn", [old])
    put_aggregator(sandbox, [sandbox.account_id], regions=["eu-north-1"])
    serve_config(sandbox)
    code, out = _run(sandbox, capsys, "inventory", "--json", "--index", "config:org-lambda")
    assert code == 0
    assert [c["function"] for c in _consumers(json.loads(out.out), old)] == ["home-fn"]
    (line,) = [x for x in out.err.splitlines() if "AWS Config" in x]
    assert "does not collect eu-west-1" in line and "scan's alone" in line


@pytest.mark.parametrize(
    ("args", "said"),
    [(["inventory", "--index", "dynamo:x"], "config:AGGREGATOR_NAME"),
     (["inventory", "--index", "config:a b"], "config:AGGREGATOR_NAME"),
     (["--index", "config:org", "backups"], "backups takes none")],
)
def test_a_bad_index_is_one_line_and_no_call(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], args: list[str], said: str
) -> None:
    """Attack: an index the app cannot use. Promise: one line, exit 2, nothing sent."""
    code, out = _run(sandbox, capsys, *args)
    assert code == 2 and said in out.err and len(out.err.strip().splitlines()) == 1
    assert sandbox.stats.calls("GetCallerIdentity") == 0


def test_an_organization_member_that_cannot_be_scanned_is_seen_through_the_index(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """Attack: --org, and the member whose functions use the management's version has lost
    its role (no scan reads it). Promise: the organization aggregator's answer still lists its
    function, marked from AWS Config; the scanned member's function is the scan's, once."""
    organization = sandbox.create_organization(["workload-a", "workload-b"])
    (old,) = publish_layer(sandbox, versions=1)
    scanned, lost = organization.members["workload-a"], organization.members["workload-b"]
    add_function(scanned, "a-fn", [old])
    add_function(lost, "b-fn", [old])
    organization.remove_role("workload-b")
    put_aggregator(sandbox)  # the organization's, every region
    serve_config(sandbox)
    code, out = _run(sandbox, capsys, "--org", "inventory", "--json",
                     "--index", "config:org-lambda")
    assert code == 0, out.err
    document = json.loads(out.out)
    (home,) = [a for a in document["accounts"] if a["account"] == sandbox.account_id]
    consumers = _consumers(home, old)
    assert sorted((c["function"], c.get("from")) for c in consumers) == [
        ("a-fn", None), ("b-fn", "AWS Config"),
    ]
    assert f":{lost}:function:b-fn" in next(c["arn"] for c in consumers if c["function"] == "b-fn")


def test_the_demo_organization_answers_through_its_aggregator(tmp_path: Any) -> None:
    """Attack: in the demo, archive's role is missing, so no scan reads its functions on
    platform's py-common:1. Promise: --demo --org --index config:demo-org lists them, marked
    from AWS Config, and says how many it added."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_EC2_METADATA_DISABLED="true", XDG_CACHE_HOME=str(tmp_path / "cache"),
               XDG_STATE_HOME=str(tmp_path / "state"), XDG_DATA_HOME=str(tmp_path / "data"))
    result = subprocess.run(
        [sys.executable, "-m", "layer_tui", "--demo", "--org", "--index", "config:demo-org",
         "inventory", "--json"], capture_output=True, text=True, timeout=120, env=env,
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    archive = next(a["account"] for a in document["accounts"] if a["name"] == "archive")
    marked = [c for account in document["accounts"] for region in account["regions"]
              for layer in region["layers"] for v in layer["versions"] for c in v["consumers"]
              if c.get("from") == "AWS Config"]
    assert marked and all(f":{archive}:function:" in c["arn"] for c in marked)
    assert f"{len(marked)} consumers in accounts not scanned added from AWS Config" \
        in result.stderr
