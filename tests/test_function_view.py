"""A function's layers merged under /opt, as ``layer-tui function`` reports them.

Against the sandbox over HTTP, with layers built from real wheels (urllib3 1.26 and 2.2, six
1.16 and 1.17, botocore) that overlap the way real estates do. Every expectation about the
merge is computed here, independently, from the very zips with ``zipfile``: the oracle never
asks the code under test.
"""

from __future__ import annotations

import fcntl
import io
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from moto.awslambda.models import lambda_backends

from layer_tui.aws.function_view import FunctionLookupError, find_function
from layer_tui.aws.merged_opt import merged_opt
from layer_tui.aws.session import AwsSession, SessionConfig
from layer_tui.cli import main
from layer_tui.sandbox import Sandbox
from layer_tui.sandbox.backends import grant_public_read, publish_layer_version
from layer_tui.sandbox.server import random_account_id

REGION = "eu-west-1"
OTHER_REGION = "us-east-1"
LIMIT = 262_144_000
WHEELS = ("urllib3==1.26.20", "urllib3==2.2.3", "six==1.16.0", "six==1.17.0", "botocore==1.35.99")
SITE = "python/lib/python3.12/site-packages/"


#: pip's own limit per connection, and ours for the whole download of one wheel: generous, so a
#: loaded machine or a slow index still gets there, but a stalled download ends the setup with
#: what pip said instead of hanging the suite.
PIP_SOCKET_TIMEOUT_S = 60
PIP_DOWNLOAD_TIMEOUT_S = 600


@pytest.fixture(scope="session")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Real published wheels, downloaded once per test run into a folder every worker of the
    run shares (the parent of each worker's base temp)."""
    cache = tmp_path_factory.getbasetemp().parent / "layer-tui-wheels"
    cache.mkdir(exist_ok=True)
    # Parallel workers each set this fixture up: one downloads while the others wait on the
    # lock, and a wheel enters the cache by rename once whole, so none reads a half-written one.
    with (cache / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return {requirement: _cached_wheel(cache, requirement) for requirement in WHEELS}


def _cached_wheel(cache: Path, requirement: str) -> Path:
    name, version = requirement.split("==")
    have = sorted(cache.glob(f"{name}-{version}-*.whl"))
    if have:
        return have[0]
    with tempfile.TemporaryDirectory(dir=cache) as partial:
        try:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                 "--disable-pip-version-check", "--timeout", str(PIP_SOCKET_TIMEOUT_S), "-q",
                 "-d", partial, requirement],
                check=True, capture_output=True, text=True, timeout=PIP_DOWNLOAD_TIMEOUT_S,
            )
        except subprocess.CalledProcessError as failed:
            raise RuntimeError(f"pip download {requirement} failed: {failed.stderr}") from failed
        wheel = next(Path(partial).glob(f"{name}-{version}-*.whl"))
        return wheel.replace(cache / wheel.name)


def layer_zip(wheel: Path, prefix: str, rename: dict[str, str] | None = None) -> bytes:
    """A wheel's files under ``prefix`` (how a layer is built with pip install -t)."""
    out = io.BytesIO()
    with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(
        out, "w", zipfile.ZIP_DEFLATED, compresslevel=1
    ) as archive:
        for info in source.infolist():
            name = info.filename
            for old, new in (rename or {}).items():
                name = name.replace(old, new)
            archive.writestr(prefix + name, source.read(info))
    return out.getvalue()


def plain_zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


@dataclass
class Estate:
    box: Sandbox
    #: Function name -> [(layer version ARN, its zip bytes)] in the function's order.
    layers: dict[str, list[tuple[str, bytes]]] = field(default_factory=dict)
    code: bytes = b""

    def session(self, *regions: str) -> AwsSession:
        return AwsSession(SessionConfig(endpoint_url=self.box.endpoint_url,
                                        regions=regions or (REGION,), rate_per_second=500.0))

    def config(self, function: str) -> dict[str, Any]:
        lam = self.box.client("lambda", REGION)
        answer: dict[str, Any] = lam.get_function_configuration(FunctionName=function)
        return answer


@pytest.fixture(scope="module")
def estate(wheels: dict[str, Path]) -> Iterator[Estate]:
    with Sandbox(regions=(REGION, OTHER_REGION)) as box:
        box.revisions.update_seconds = 0.05
        found = Estate(box)
        lam = box.client("lambda", REGION)
        code = found.code = plain_zip({"app.py": b"def handler(event, context):\n    return 1\n"})

        def publish(name: str, archive: bytes, **extra: Any) -> str:
            return str(lam.publish_layer_version(
                LayerName=name, Content={"ZipFile": archive}, **extra)["LayerVersionArn"])

        def function(name: str, layers: list[tuple[str, bytes]], **extra: Any) -> None:
            lam.create_function(
                FunctionName=name, Runtime="python3.12", Role=box.execution_role_arn,
                Handler="app.handler", Code={"ZipFile": code},
                Layers=[arn for arn, _ in layers], **extra)
            lam.get_waiter("function_active_v2").wait(FunctionName=name)
            found.layers[name] = layers

        w = wheels
        # urllib3 1.26 and 2.2 in one folder: the files overlap, the dist-infos do not.
        old_urllib3 = layer_zip(w["urllib3==1.26.20"], "python/")
        new_urllib3 = layer_zip(w["urllib3==2.2.3"], "python/")
        # six 1.16 in site-packages (earlier on sys.path) under a legacy-cased dist-info,
        # six 1.17 in python/ of a LATER layer: the earlier layer's six is the one imported.
        legacy_case = {"six-1.16.0.dist-info": "Six-1.16.0.dist-info"}
        old_six = layer_zip(w["six==1.16.0"], SITE, legacy_case)
        new_six = layer_zip(w["six==1.17.0"], "python/")
        botocore = layer_zip(w["botocore==1.35.99"], "python/")
        every = ["python3.12", "python3.11"]
        api = [
            (publish("urllib3-old", old_urllib3, CompatibleRuntimes=every), old_urllib3),
            (publish("six-old", old_six, CompatibleRuntimes=every), old_six),
            (publish("urllib3-new", new_urllib3, CompatibleRuntimes=every), new_urllib3),
            (publish("six-new", new_six, CompatibleRuntimes=every), new_six),
            # An x86_64-only layer on an arm64 function, built for python3.11 only.
            (publish("botocore", botocore, CompatibleRuntimes=["python3.11"],
                     CompatibleArchitectures=["x86_64"]), botocore),
        ]
        function("api", api, Architectures=["arm64"],
                 Tags={"aws:cloudformation:stack-name": "orders-prod", "lambda:createdBy": "SAM"})
        # Pinned to a version deleted after attaching: it runs, its next deploy fails.
        geo_1 = plain_zip({"python/geo.py": b"ONE = 1\n"})
        geo = publish("geo", geo_1)
        publish("geo", plain_zip({"python/geo.py": b"TWO = 2\n"}))
        function("legacy", [(geo, geo_1)])
        lam.delete_layer_version(LayerName="geo", VersionNumber=1)
        # Two layers of zeros: tiny zipped, 150,000,000 bytes each unzipped.
        zeros = plain_zip({"python/blob.bin": bytes(150_000_000)})
        function("heavy", [(publish("blob-a", zeros), zeros), (publish("blob-b", zeros), zeros)])
        # A vendor's layers: one readable by everyone, one never granted.
        vendor = lambda_backends[random_account_id()][REGION]
        shared_zip = plain_zip({"python/vendor.py": b"v = 1\n"})
        shared = publish_layer_version(vendor, "Vendor-Shared", shared_zip,
                                       created=datetime.now(UTC), version=7)
        grant_public_read(shared)
        private = publish_layer_version(vendor, "Vendor-Private", shared_zip,
                                        created=datetime.now(UTC), version=3)
        # AWS checks the grant when a function pins the version: granted then, revoked since.
        grant_public_read(private)
        function("vendored", [(shared.arn, shared_zip), (private.arn, shared_zip)])
        private.policy.statements.clear()
        # A hostile member name, in two layers so that it is shadowed.
        evil = plain_zip({"python/\x1b[31mred\x1b]0;pwned\x07.py": b"x"})
        function("hostile", [(publish("evil-a", evil), evil), (publish("evil-b", evil), evil)])
        yield found


def oracle_merge(layers: list[tuple[str, bytes]]) -> dict[str, tuple[str, tuple[str, ...]]]:
    """path -> (winner, hidden) for every file more than one layer holds, by zipfile alone."""
    holders: dict[str, list[str]] = {}
    for arn, archive in layers:
        with zipfile.ZipFile(io.BytesIO(archive)) as listing:
            for info in listing.infolist():
                if not info.is_dir():
                    holders.setdefault(info.filename, []).append(arn)
    return {path: (arns[-1], tuple(arns[:-1])) for path, arns in holders.items() if len(arns) > 1}


def run_json(capsys: pytest.CaptureFixture[str], estate: Estate, *args: str) -> tuple[int, Any]:
    code = main(["--endpoint-url", estate.box.endpoint_url, "--region", REGION, *args])
    out = capsys.readouterr().out
    return code, json.loads(out) if code == 0 else out


# -- the merge ------------------------------------------------------------------------------------


def test_json_names_every_shadowed_path_and_its_winner(
    estate: Estate, capsys: pytest.CaptureFixture[str]
) -> None:
    """Attack: urllib3 1.26 and 2.2 in two layers of one function, same folder. Promise:
    ``function --json`` names each file both hold, the later layer as winner and the earlier as
    hidden — exactly the files zipfile finds in both zips, no more, no less — and nothing of
    the layers was downloaded (central directories only)."""
    code, shown = run_json(capsys, estate, "function", "api", "--json")
    assert code == 0
    assert set(shown) == {"function", "runtime", "architectures", "layers", "unzipped_total",
                          "limit", "shadowed", "duplicate_distributions", "findings"}
    expected = oracle_merge(estate.layers["api"])
    assert len(expected) > 20  # real urllib3 wheels overlap in dozens of files
    got = {s["path"]: (s["winner"], tuple(s["hidden"])) for s in shown["shadowed"]}
    assert got == expected
    new_urllib3 = estate.layers["api"][2][0]
    assert got["python/urllib3/__init__.py"][0] == new_urllib3
    assert [layer["position"] for layer in shown["layers"]] == [1, 2, 3, 4, 5]
    assert [layer["arn"] for layer in shown["layers"]] == [a for a, _ in estate.layers["api"]]
    for layer, (_, archive) in zip(shown["layers"], estate.layers["api"], strict=True):
        with zipfile.ZipFile(io.BytesIO(archive)) as listing:
            assert layer["unzipped_size"] == sum(i.file_size for i in listing.infolist())
        assert layer["code_size"] == len(archive)


def test_the_merge_reads_central_directories_only(estate: Estate) -> None:
    """Attack: a function whose layers weigh 13 MB zipped. Promise: merging them transfers a
    small fraction of that (the tails and central directories), never the archives — counted
    by the sandbox's content server, byte by byte."""
    session = estate.session()
    config = estate.config("api")
    estate.box.stats.reset()
    opt = merged_opt(session, config)
    sent = estate.box.stats.content_bytes_sent
    total = sum(len(archive) for _, archive in estate.layers["api"])
    assert opt.complete
    assert 0 < sent < total / 10, (sent, total)


def test_duplicate_distributions_name_the_one_imported(
    estate: Estate, capsys: pytest.CaptureFixture[str]
) -> None:
    """Attack: two installs of one project on the path — urllib3 1.26 and 2.2 in one folder
    (the later layer's package files won), six 1.16 in site-packages under a legacy-cased
    ``Six-1.16.0.dist-info`` and six 1.17 in python/ of a later layer. Promise: both are
    reported, names normalised (Six is six), with the winner Python imports: for six the
    earlier layer's, because site-packages comes first on sys.path."""
    _, shown = run_json(capsys, estate, "function", "api", "--json")
    arns = [a for a, _ in estate.layers["api"]]
    by_project = {d["project"]: d for d in shown["duplicate_distributions"]}
    assert set(by_project) == {"urllib3", "six"}
    urllib3 = by_project["urllib3"]
    assert (urllib3["winner"]["version"], urllib3["winner"]["arn"]) == ("2.2.3", arns[2])
    assert [(h["version"], h["arn"]) for h in urllib3["hidden"]] == [("1.26.20", arns[0])]
    six = by_project["six"]
    assert six["winner"] == {"dist_info": SITE + "Six-1.16.0.dist-info", "version": "1.16.0",
                             "arn": arns[1]}
    assert [(h["version"], h["arn"]) for h in six["hidden"]] == [("1.17.0", arns[3])]
    messages = [f["message"] for f in shown["findings"] if f["code"] == "duplicate-distribution"]
    assert any("six" in m and "1.16.0 from six-old:1 wins over 1.17.0" in m for m in messages)


def test_runtime_packages_shadowed_by_a_layer_are_named(
    estate: Estate, capsys: pytest.CaptureFixture[str]
) -> None:
    """Attack: a layer carrying botocore (and others carrying urllib3 and six), all of which
    the python3.12 runtime provides itself. Promise: a finding per package says the layer's
    copy shadows the runtime's (/opt/python precedes the runtime's packages on sys.path)."""
    _, shown = run_json(capsys, estate, "function", "api", "--json")
    shadows = [f["message"] for f in shown["findings"] if f["code"] == "shadows-runtime"]
    for package in ("botocore", "urllib3", "six"):
        assert any(f"shadows the runtime's own {package} " in m for m in shadows), package
    assert any(m.startswith("/opt/python/botocore from botocore:1 ") for m in shadows)
    # geo is not a package any runtime brings: nothing said about it.
    _, legacy = run_json(capsys, estate, "function", "legacy", "--json")
    assert not [f for f in legacy["findings"] if f["code"] == "shadows-runtime"]


def test_layer_flags_architecture_runtime_and_facts(estate: Estate) -> None:
    """Attack: an arm64 function on an x86_64-only layer built for another runtime. Promise:
    that layer, and only it, is flagged for architecture and runtime, with an error finding;
    the function's facts name the stack and tool its tags say manage it."""
    session = estate.session()
    facts = find_function(session, "api")
    assert facts.architectures == ("arm64",)
    assert facts.managed_by == ("CloudFormation stack orders-prod", "AWS SAM")
    assert (facts.state, facts.last_update_status) == ("Active", "Successful")
    opt = merged_opt(session, facts.configuration)
    flags = {layer.label: layer.flags for layer in opt.layers}
    assert flags.pop("botocore:1") == ("architecture", "runtime")
    assert all(not f for f in flags.values()), flags
    errors = [f for f in opt.findings if f.level == "error"]
    assert [f.code for f in errors] == ["architecture"]
    assert "x86_64" in errors[0].message and "arm64" in errors[0].message


def test_a_function_pinned_to_a_deleted_version_is_flagged(
    estate: Estate, capsys: pytest.CaptureFixture[str]
) -> None:
    """Attack: geo:1 deleted after a function attached it (AWS allows that). Promise: the JSON
    flags the layer ``deleted`` and an error finding says the next deploy fails; geo:1 is not
    mistaken for merely "behind"."""
    code, shown = run_json(capsys, estate, "function", "legacy", "--json")
    assert code == 0
    assert shown["layers"][0]["flags"] == ["deleted"]
    assert shown["layers"][0]["unzipped_size"] is None
    deleted = [f for f in shown["findings"] if f["code"] == "deleted-version"]
    assert len(deleted) == 1 and deleted[0]["level"] == "error"
    assert "next deploy fails" in deleted[0]["message"]


def test_the_budget_counts_code_and_layers_unzipped(
    estate: Estate, capsys: pytest.CaptureFixture[str]
) -> None:
    """Attack: two layers that are a few hundred KB zipped and 150 MB each unzipped. Promise:
    the total (code + layers, unzipped, from the central directories) is over 262,144,000
    and an error says the next deploy fails."""
    _, shown = run_json(capsys, estate, "function", "heavy", "--json")
    layers = sum(len(a) for _, a in estate.layers["heavy"])
    assert layers < 2_000_000
    assert shown["limit"] == LIMIT
    assert shown["unzipped_total"] == 300_000_000 + len(estate.code)
    budget = [f for f in shown["findings"] if f["code"] == "budget"]
    assert budget and budget[0]["level"] == "error" and "next deploy fails" in budget[0]["message"]


def test_another_accounts_layer_is_read_where_granted(
    estate: Estate, capsys: pytest.CaptureFixture[str]
) -> None:
    """Attack: a vendor's layer readable by everyone and one never granted. Promise: both are
    flagged external; the granted one is listed (its size known), the other is flagged
    unreadable with a warning, and neither stops the report."""
    code, shown = run_json(capsys, estate, "function", "vendored", "--json")
    assert code == 0
    granted, denied = shown["layers"]
    assert granted["flags"] == ["external"] and granted["unzipped_size"] == 6
    assert denied["flags"] == ["external", "unreadable"] and denied["unzipped_size"] is None
    assert any(f["code"] == "unreadable" for f in shown["findings"])


# -- text output and bad input ---------------------------------------------------------------------


def test_text_output_is_readable_and_escapes_hostile_names(
    estate: Estate, capsys: pytest.CaptureFixture[str]
) -> None:
    """Attack: a member name with terminal escape sequences (colour, window title), shadowed.
    Promise: the text output lists it escaped, never a raw ESC or BEL, and reads as a report:
    facts, layers in merge order, the budget bar, the shadowed file with its winner."""
    assert main(["--endpoint-url", estate.box.endpoint_url, "--region", REGION,
                 "function", "hostile"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "layers in merge order" in out
    assert re.search(r"code \+ layers unzipped: [\d,]+ bytes \[#*\.+\] ", out)
    assert re.search(r"/opt/python/\\x1b\[31mred.*\.py  evil-b:1 over evil-a:1", out), out


def test_api_text_output_names_the_stack(
    estate: Estate, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--endpoint-url", estate.box.endpoint_url, "--region", REGION,
                 "function", "api"]) == 0
    out = capsys.readouterr().out
    assert "managed by CloudFormation stack orders-prod, AWS SAM" in out
    assert "runtime python3.12 on arm64, handler app.handler" in out


@pytest.mark.parametrize(
    ("target", "says"),
    [
        ("nope", "no function nope in eu-west-1"),
        ("bad name!", "is neither a function name"),
        (f"arn:aws:lambda:{OTHER_REGION}:123456789012:function:api",
         f"add --region {OTHER_REGION} or leave --region out"),
        (f"arn:aws:lambda:{REGION}:123456789012:function:gone", "no function gone in eu-west-1"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    estate: Estate, capsys: pytest.CaptureFixture[str], target: str, says: str
) -> None:
    """Attack: an unknown function, a malformed name, an ARN in a region not scanned. Promise:
    exit 2, one line on stderr saying what and what to do, nothing on stdout."""
    code = main(["--endpoint-url", estate.box.endpoint_url, "--region", REGION,
                 "function", target, "--json"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and says in lines[0] and "Traceback" not in captured.err


def test_a_bare_name_is_looked_up_in_every_region_in_scope(estate: Estate) -> None:
    """Attack: the same name in two regions. Promise: refused in one line naming both (never
    a silent pick); with one region in scope it resolves there."""
    other = estate.box.client("lambda", OTHER_REGION)
    if "api" not in [f["FunctionName"] for f in other.list_functions()["Functions"]]:
        other.create_function(FunctionName="api", Runtime="python3.12",
                              Role=estate.box.execution_role_arn, Handler="app.handler",
                              Code={"ZipFile": estate.code})
    with pytest.raises(FunctionLookupError, match="exists in eu-west-1, us-east-1"):
        find_function(estate.session(REGION, OTHER_REGION), "api")
    assert find_function(estate.session(OTHER_REGION), "api").region == OTHER_REGION
