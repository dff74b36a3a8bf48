"""Read-only is an allow-list on every client; changes go to one account at a time.

An auditor's suite: each test names the attack it makes and the promise it checks, against the
sandbox over HTTP. "Nothing was sent" is read off the sandbox's own call counter.
"""

from __future__ import annotations

import io
import json
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from ui_fixtures import pilot_test

from layer_tui.aws.cache import InventoryCache
from layer_tui.aws.errors import AwsError
from layer_tui.aws.inventory import scan_inventory, scan_region
from layer_tui.aws.journal import Journal
from layer_tui.aws.models import Inventory, LayerVersion
from layer_tui.aws.operations import LayerOperations
from layer_tui.aws.repin import RepinItem, RepinPlan, apply_repin
from layer_tui.aws.session import AwsSession, ReadOnlyError, SessionConfig
from layer_tui.sandbox.calls import ApiCall, ApiReply, Interceptor
from layer_tui.sandbox.server import Sandbox

REGION = "eu-west-1"
#: A region account A has enabled and account B has not (accounts differ in opt-in regions).
ONLY_IN_A = "us-east-1"


def tiny_zip(marker: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("python/m.py", marker)
    return buf.getvalue()


def session_on(sandbox: Sandbox, **config: Any) -> AwsSession:
    return AwsSession(SessionConfig(endpoint_url=sandbox.endpoint_url, regions=(REGION,),
                                    rate_per_second=500.0, **config))


def seed(sandbox: Sandbox, layer: str, region: str = REGION) -> dict[str, str]:
    """Layer ``layer`` (versions 1 and 2) and ``geo`` (1 and 2), and a function ``billing`` on
    geo:1 — the same names in every account, as estates built from one template have."""
    lam = sandbox.client("lambda", region)
    arns = {}
    for name in (layer, "geo"):
        for n in (1, 2):
            arns[f"{name}:{n}"] = lam.publish_layer_version(
                LayerName=name, Content={"ZipFile": tiny_zip(f"{sandbox.account_id}{name}{n}")},
                CompatibleRuntimes=["python3.12"],
            )["LayerVersionArn"]
    lam.create_function(
        FunctionName="billing", Runtime="python3.12", Role=sandbox.execution_role_arn,
        Handler="app.handler", Code={"ZipFile": tiny_zip("f")}, Layers=[arns["geo:1"]],
    )
    return arns


@pytest.fixture
def account_a() -> Iterator[Sandbox]:
    with Sandbox(regions=(REGION, ONLY_IN_A)) as box:
        seed(box, "alpha-only")
        seed(box, "alpha-only", ONLY_IN_A)
        yield box


@pytest.fixture
def account_b() -> Iterator[Sandbox]:
    with Sandbox(regions=(REGION,)) as box:
        seed(box, "bravo-only")
        yield box


def sent(sandbox: Sandbox) -> int:
    return sandbox.stats.total_api_calls


# -- read-only: an allow-list on every client ----------------------------------------------------

#: (service, how the client is made, the call). "session" is AwsSession.client (the one the app's
#: core uses), "raw" the unlimited clients it makes for account-wide calls, "elsewhere" a client
#: made later straight from the session's boto3 session, as code added later might.
REFUSED: list[tuple[str, str, Callable[[Any], Any]]] = [
    ("lambda", "session", lambda c: c.invoke(FunctionName="billing", Payload=b"{}")),
    ("lambda", "session", lambda c: c.invoke_async(FunctionName="billing", InvokeArgs=b"{}")),
    ("lambda", "session",
     lambda c: c.invoke_with_response_stream(FunctionName="billing", Payload=b"{}")),
    ("s3", "session", lambda c: c.restore_object(Bucket="carrier", Key="k",
                                                 RestoreRequest={"Days": 1})),
    ("s3", "raw", lambda c: c.put_object(Bucket="carrier", Key="k", Body=b"x")),
    ("sts", "raw", lambda c: c.decode_authorization_message(EncodedMessage="x")),
    ("ec2", "raw", lambda c: c.create_tags(Resources=["i-1"], Tags=[{"Key": "a", "Value": "b"}])),
    ("ec2", "raw", lambda c: c.terminate_instances(InstanceIds=["i-1"])),
    ("account", "raw", lambda c: c.enable_region(RegionName="ap-southeast-5")),
    ("organizations", "raw", lambda c: c.leave_organization()),
    ("config", "raw", lambda c: c.start_config_rules_evaluation(ConfigRuleNames=["r"])),
    ("lambda", "elsewhere", lambda c: c.delete_layer_version(LayerName="geo", VersionNumber=1)),
]


def make_client(session: AwsSession, service: str, how: str, sandbox: Sandbox) -> Any:
    if how == "session":
        return session.client(service, REGION)
    if how == "raw":
        return session._raw_client(service, REGION)
    return session.botocore_session().create_client(
        service, region_name=REGION, endpoint_url=sandbox.endpoint_url)


@pytest.mark.parametrize(("service", "how", "call"), REFUSED,
                         ids=[f"{s}-{h}-{i}" for i, (s, h, _) in enumerate(REFUSED)])
def test_read_only_refuses_every_call_that_is_not_a_read_on_every_client(
    account_b: Sandbox, service: str, how: str, call: Callable[[Any], Any]
) -> None:
    """Attack: in --read-only, call something the old deny-list never named (lambda Invoke,
    S3 RestoreObject) or call through a client it never hooked (the raw S3/STS/EC2/account/
    Organizations/Config clients, a client made later from the same boto3 session).
    Promise: only reads leave the process; the call fails with ReadOnlyError, in one line,
    and the sandbox receives nothing."""
    session = session_on(account_b, read_only=True)
    session.account_id()
    client = make_client(session, service, how, account_b)
    before = sent(account_b)
    with pytest.raises(ReadOnlyError) as refused:
        call(client)
    assert sent(account_b) == before
    message = str(refused.value)
    assert "read-only" in message and "nothing was sent" in message and "\n" not in message


def test_reads_and_credential_calls_still_pass_in_read_only(account_b: Sandbox) -> None:
    """Guard against over-blocking (it held before this change too): S3 SelectObjectContent,
    STS GetCallerIdentity and AssumeRole, EC2 DescribeRegions, account ListRegions are reads
    or credentials and still reach AWS in --read-only."""
    session = session_on(account_b, read_only=True)
    before = sent(account_b)
    session.account_id()
    sts = session._raw_client("sts", REGION)
    sts.assume_role(RoleArn=account_b.execution_role_arn, RoleSessionName="audit")
    session._raw_client("ec2", REGION).describe_regions()
    session._raw_client("account", REGION).list_regions()
    s3 = session.client("s3", REGION)
    with pytest.raises(Exception) as answered:  # no such bucket: AWS's answer, not ours
        s3.select_object_content(
            Bucket="nothing-here", Key="k", Expression="select * from s3object",
            ExpressionType="SQL", InputSerialization={"CSV": {}}, OutputSerialization={"CSV": {}},
        )
    assert not isinstance(answered.value, ReadOnlyError)
    assert sent(account_b) >= before + 5


def test_every_read_the_app_does_still_works_in_read_only(
    demo_sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """Guard against over-blocking: ``inventory`` and ``inspect`` run whole in --read-only
    against the demo estate, and everything that reached the sandbox was a read."""
    from layer_tui.cli import main

    before = demo_sandbox.stats.api_calls
    common = ["--read-only", "--endpoint-url", demo_sandbox.endpoint_url, "--region", "eu-north-1"]
    assert main(["inventory", "--json", *common]) == 0
    inventory = json.loads(capsys.readouterr().out)
    versions = [v for layer in inventory["regions"][0]["layers"] for v in layer["versions"]]
    assert versions
    assert main(["inspect", versions[0]["arn"], "--json", *common]) == 0
    assert json.loads(capsys.readouterr().out)["files"] > 0
    after = demo_sandbox.stats.api_calls
    operations = {op for key, n in after.items() if n > before.get(key, 0) for op in [key[1]]}
    assert {"ListLayers", "ListFunctions", "GetLayerVersionByArn"} <= operations
    assert all(op.startswith(("Get", "List", "Head", "Describe")) for op in operations), operations


# -- one account at a time: changes ----------------------------------------------------------------


def version_in(sandbox: Sandbox, name: str, number: int) -> LayerVersion:
    scanned = scan_region(session_on(sandbox), REGION)
    layer = next(layer for layer in scanned.layers if layer.name == name)
    return next(v for v in layer.versions if v.version == number)


def layer_numbers(sandbox: Sandbox, name: str) -> list[int]:
    lam = sandbox.client("lambda", REGION)
    return [v["Version"] for v in lam.list_layer_versions(LayerName=name)["LayerVersions"]]


def test_a_delete_of_another_accounts_version_is_refused_before_anything_is_sent(
    account_a: Sandbox, account_b: Sandbox, tmp_path: Path
) -> None:
    """Attack: a version read in account A (which shares it with B) is deleted from a session
    on account B — where the same layer name means B's own geo:1. Before, the backup copied
    A's version and DeleteLayerVersion(LayerName=geo) deleted B's.
    Promise: a change whose ARN names another account is refused in one line before any call:
    no backup, no journal line, nothing deleted in either account."""
    a_lambda = account_a.client("lambda", REGION)
    a_lambda.add_layer_version_permission(
        LayerName="geo", VersionNumber=1, StatementId="b", Action="lambda:GetLayerVersion",
        Principal=account_b.account_id,
    )
    foreign = version_in(account_a, "geo", 1)
    ops = LayerOperations(session_on(account_b), Journal(tmp_path / "journal.jsonl"),
                          tmp_path / "backups")
    ops.session.account_id()
    before = account_b.stats.calls("DeleteLayerVersion")
    with pytest.raises(AwsError) as refused:
        ops.delete_layer_version(foreign)
    assert refused.value.code == "ForeignAccount"
    assert account_a.account_id in str(refused.value)
    assert account_b.account_id in str(refused.value)
    assert account_b.stats.calls("DeleteLayerVersion") == before
    assert sorted(layer_numbers(account_b, "geo")) == [1, 2]
    assert sorted(layer_numbers(account_a, "geo")) == [1, 2]
    assert not (tmp_path / "backups").exists() or not any((tmp_path / "backups").rglob("*.zip"))
    assert list(ops.journal.entries()) == []


def test_a_repin_of_another_accounts_function_is_refused_before_sending(
    account_a: Sandbox, account_b: Sandbox, tmp_path: Path
) -> None:
    """Attack: a repin planned from account A's view (A's function ARN, A's layer) is applied
    from a session on account B, where a function of the same name exists.
    Promise: the update is refused before sending (the outcome says why, in one line), and B's
    function keeps its layers; a hand-made call naming A's function (full or partial ARN) is
    refused by the session's hook even outside the operations layer."""
    a_arns = {v: f"arn:aws:lambda:{REGION}:{account_a.account_id}:layer:geo:{v}" for v in (1, 2)}
    a_function = f"arn:aws:lambda:{REGION}:{account_a.account_id}:function:billing"
    ops = LayerOperations(session_on(account_b), Journal(tmp_path / "journal.jsonl"),
                          tmp_path / "backups")
    b_layers_before = account_b.client("lambda", REGION).get_function_configuration(
        FunctionName="billing")["Layers"]
    item = RepinItem(a_function, REGION, "", (a_arns[1],), (a_arns[2],))
    plan = RepinPlan(REGION, a_arns[1].rsplit(":", 1)[0], a_arns[2], (item,))
    report = apply_repin(ops, plan)
    [outcome] = report.outcomes
    assert outcome.status == "failed"
    assert account_a.account_id in outcome.detail and "\n" not in outcome.detail
    assert account_b.stats.calls("UpdateFunctionConfiguration") == 0
    b_layers_after = account_b.client("lambda", REGION).get_function_configuration(
        FunctionName="billing")["Layers"]
    assert b_layers_after == b_layers_before
    lam = ops.session.client("lambda", REGION)
    for name in (a_function, f"{account_a.account_id}:function:billing"):
        with pytest.raises(AwsError) as refused:
            lam.update_function_configuration(FunctionName=name, Layers=[])
        assert refused.value.code == "ForeignAccount"
    assert account_b.stats.calls("UpdateFunctionConfiguration") == 0


def test_s3_changes_say_whose_bucket_they_expect(account_b: Sandbox) -> None:
    """Attack: a bucket name says nothing of its owner; an upload meant for our bucket lands in
    another account's bucket of that name (or a call says it expects another owner).
    Promise: every S3 change carries ExpectedBucketOwner = the session's account, so S3 itself
    refuses another owner's bucket; one that names another owner is refused before sending."""
    account_b.client("s3", REGION).create_bucket(
        Bucket="carrier", CreateBucketConfiguration={"LocationConstraint": REGION})
    session = session_on(account_b)
    s3 = session.client("s3", REGION)
    owners: list[str | None] = []
    s3.meta.events.register(
        "before-send.s3.PutObject",
        lambda request, **_: owners.append(request.headers.get("x-amz-expected-bucket-owner")),
    )
    s3.put_object(Bucket="carrier", Key="k", Body=b"x")
    assert [o.decode() if isinstance(o, bytes) else o for o in owners] == [account_b.account_id]
    with pytest.raises(AwsError) as refused:
        s3.put_object(Bucket="carrier", Key="k", Body=b"x", ExpectedBucketOwner="111122223333")
    assert refused.value.code == "ForeignAccount"
    assert len(owners) == 1


# -- one account at a time: scans and the cache ----------------------------------------------------


def test_a_cache_file_naming_another_account_is_ignored(
    account_a: Sandbox, account_b: Sandbox, tmp_path: Path
) -> None:
    """Attack: account A's snapshot is placed in account B's cache folder (a copy, a renamed
    folder, an old bug's leftovers). Promise: a snapshot that names another account than the
    one it is loaded for is ignored: B's start shows nothing of A, and its sizes are not
    borrowed either."""
    cache = InventoryCache(root=tmp_path)
    scanned_a = scan_inventory(session_on(account_a), [REGION])
    cache.save(scanned_a)
    a_file = tmp_path / account_a.account_id / f"{REGION}.json"
    assert a_file.is_file()
    b_folder = tmp_path / account_b.account_id
    b_folder.mkdir()
    (b_folder / f"{REGION}.json").write_bytes(a_file.read_bytes())
    assert cache.load(account_b.account_id) is None
    assert cache.known_versions(account_b.account_id, [REGION]) == {}
    loaded_a = cache.load(account_a.account_id)  # in its own place it still serves
    assert loaded_a is not None and loaded_a.regions[0].layers


def test_another_accounts_region_is_never_saved_under_this_one(
    account_a: Sandbox, account_b: Sandbox, tmp_path: Path
) -> None:
    """Attack: a region scanned in account A ends up in an inventory labelled B (the profile
    switch race) and is saved. Promise: the cache writes a region only under the account it
    was read from."""
    region_a = scan_region(session_on(account_a), REGION)
    labelled_b = Inventory(account_b.account_id, region_a.scanned_at or time_now(), (region_a,))
    InventoryCache(root=tmp_path).save(labelled_b)
    assert not (tmp_path / account_b.account_id / f"{REGION}.json").exists()


def time_now() -> Any:
    from layer_tui import clock

    return clock.now()


class HoldCalls(Interceptor):
    """Holds every ``operation`` call until released: a slow account, on the test's cue."""

    def __init__(self, operation: str) -> None:
        self.operation = operation
        self.entered = threading.Event()
        self.release = threading.Event()

    def before(self, call: ApiCall) -> ApiReply | None:
        if call.operation == self.operation:
            self.entered.set()
            self.release.wait(30)
        return None


async def wait_for(pilot: Any, condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


@pytest.mark.parametrize("slow_call", ["ListFunctions", "GetCallerIdentity"])
def test_a_profile_switch_mid_scan_never_shows_or_caches_the_old_accounts_layers(
    account_a: Sandbox, account_b: Sandbox, tmp_path: Path, slow_call: str
) -> None:
    """Attack: start on account A, whose scan is slow (its ListFunctions, or even its identity
    call, hangs), switch to account B's profile with ``o`` meanwhile, and let A's scan finish
    after B's. Before, A's region that B does not have was merged under B (or the header went
    back to A) and saved into B's cache file.
    Promise: results are stamped with the account they were read from and never shown or
    cached under another: the app shows B, B's layers only, and B's cache holds none of A."""
    from textual import on

    from layer_tui.ui import messages
    from layer_tui.ui.app import LayerTuiApp

    hold = HoldCalls(slow_call)
    # First in line: the sandbox's own paging interceptor answers ListFunctions itself.
    assert account_a._gateway is not None
    account_a._gateway.interceptors.insert(0, hold)
    endpoints = {"a": account_a.endpoint_url, "b": account_b.endpoint_url}

    def factory(config: SessionConfig) -> AwsSession:
        chosen = replace(config, profile=None, endpoint_url=endpoints[config.profile or "a"])
        return AwsSession(chosen)

    finished: list[str] = []

    def scan(session: AwsSession, regions: Any, **kwargs: Any) -> Inventory:
        try:
            return scan_inventory(session, regions, **kwargs)
        finally:
            finished.append(session.account_id())

    import layer_tui.ui.app

    class App(LayerTuiApp):
        """Counts the scans whose end the app has handled, kept or dropped.

        By the message class, not by a handler's name: the name Textual derives changes with
        where the class is defined, and a hook that never fires only shows as a timeout."""

        CSS_PATH = str(Path(layer_tui.ui.app.__file__).with_name("app.tcss"))
        handled: list[Inventory] = []

        @on(messages.ScanFinished)
        def _count_scan_finished(self, message: messages.ScanFinished) -> None:
            self.handled.append(message.inventory)

    cache_root = tmp_path / "cache"
    # No --region: every enabled region, as most people start it (the sandboxes enable one).
    config = SessionConfig(profile="a", rate_per_second=500.0)
    app = App(config, session_factory=factory, scan=scan,
              inventory_cache=InventoryCache(root=cache_root), endpoint_label="sandbox")

    @pilot_test
    async def run() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, hold.entered.is_set, f"account A's {slow_call} to hang")
            app.switch_profile("b")
            await wait_for(pilot, lambda: len(app.handled) == 1, "account B's scan")
            hold.release.set()
            await wait_for(pilot, lambda: len(app.handled) == 2, "account A's late scan")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert finished == [account_b.account_id, account_a.account_id]
            assert app.inventory is not None
            assert app.inventory.account == account_b.account_id
            assert app.header_info.account == account_b.account_id
            shown = {layer.name for r in app.inventory.regions for layer in r.layers}
            assert shown == {"bravo-only", "geo"}
            assert [r.region for r in app.inventory.regions] == [REGION]
            arns = [v.arn for r in app.inventory.regions for layer in r.layers
                    for v in layer.versions]
            assert arns and all(f":{account_b.account_id}:" in arn for arn in arns)

    try:
        run()
    finally:
        hold.release.set()
    saved = InventoryCache(root=cache_root).load(account_b.account_id)
    assert saved is not None
    for snapshot in (cache_root / account_b.account_id).glob("*.json"):
        text = snapshot.read_text()
        assert account_a.account_id not in text and "alpha-only" not in text
    assert [p.name for p in (cache_root / account_b.account_id).glob("*.json")] == [
        f"{REGION}.json"]
    assert {layer.name for r in saved.regions for layer in r.layers} == {"bravo-only", "geo"}


def test_no_client_is_made_past_the_guarded_session() -> None:
    """Guard for code added later (it held before this change too): outside ``aws/session.py``
    (and the sandbox, which is the other side) nothing makes a boto3/botocore client itself —
    every client comes from ``AwsSession``'s boto3 session, which carries the read-only and
    account guards."""
    import ast

    import layer_tui

    root = Path(layer_tui.__file__).parent
    made: list[str] = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if relative == "aws/session.py" or relative.startswith("sandbox/"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in ("client", "resource", "create_client"):
                continue
            receiver: ast.expr = node.func.value
            while isinstance(receiver, ast.Attribute | ast.Call):
                receiver = receiver.value if isinstance(receiver, ast.Attribute) else receiver.func
            if isinstance(receiver, ast.Name) and receiver.id in ("boto3", "botocore"):
                made.append(f"{relative}:{node.lineno}")
    assert made == []
