"""Publish, delete (with verified backup), restore and read-only: against the sandbox."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from layer_tui.aws.backups import list_backups
from layer_tui.aws.delete_check import assess_delete
from layer_tui.aws.errors import AwsError
from layer_tui.aws.inventory import scan_region
from layer_tui.aws.journal import Journal
from layer_tui.aws.models import LayerVersion
from layer_tui.aws.operations import LayerOperations, plan_keep_newest
from layer_tui.aws.publishing import (
    InvalidInput,
    PublishRequest,
    prepare_archive,
    publish_layer_version,
    restore_request,
    validate_request,
)
from layer_tui.aws.session import AwsSession, ReadOnlyError, SessionConfig
from layer_tui.sandbox.server import Sandbox

REGION = "eu-west-1"
MUTATING = ("Publish", "Delete", "Update", "Add", "Remove")


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(regions=(REGION,)) as box:
        yield box


def make_ops(sandbox: Sandbox, tmp_path: Path, **config: Any) -> LayerOperations:
    session = AwsSession(SessionConfig(endpoint_url=sandbox.endpoint_url, regions=(REGION,),
                                       rate_per_second=500.0, **config))
    return LayerOperations(session, Journal(tmp_path / "journal.jsonl"), tmp_path / "backups")


def layer_tree(root: Path) -> Path:
    (root / "python" / "geo").mkdir(parents=True)
    (root / "python" / "geo" / "__init__.py").write_text("VERSION = 1\n")
    (root / "python" / "geo" / "data.txt").write_text("x" * 5000)
    return root


def version_of(ops: LayerOperations, name: str, number: int) -> LayerVersion:
    region = scan_region(ops.session, REGION)
    layer = next(layer for layer in region.layers if layer.name == name)
    return next(v for v in layer.versions if v.version == number)


def test_publishing_a_directory_twice_gives_the_same_sha(sandbox: Sandbox, tmp_path: Path) -> None:
    ops = make_ops(sandbox, tmp_path)
    tree = layer_tree(tmp_path / "tree")
    request = PublishRequest("geo", tree, REGION, description="geo [beta]",
                             runtimes=("python3.12",), architectures=("arm64",))
    shas = []
    for _ in range(2):
        prepared = prepare_archive(tree)
        assert (prepared.files, prepared.unzipped) == (2, 5012)
        shas.append(publish_layer_version(ops, request, prepared)["Content"]["CodeSha256"])
        prepared.discard()
    assert shas[0] == shas[1]
    actions = [(e.action, e.phase) for e in ops.journal.entries()]
    assert actions == [("PublishLayerVersion", "before"), ("PublishLayerVersion", "after")] * 2
    logged = json.loads((tmp_path / "journal.jsonl").read_text().splitlines()[0])
    assert logged["args"]["LayerName"] == "geo" and "ZipFile" not in json.dumps(logged)


def test_delete_backs_up_verifies_then_deletes(sandbox: Sandbox, tmp_path: Path) -> None:
    ops = make_ops(sandbox, tmp_path)
    tree = layer_tree(tmp_path / "tree")
    prepared = prepare_archive(tree)
    published = publish_layer_version(ops, PublishRequest("geo", tree, REGION), prepared)
    lam = sandbox.client("lambda", REGION)
    lam.add_layer_version_permission(LayerName="geo", VersionNumber=1, StatementId="org",
                                     Action="lambda:GetLayerVersion", Principal="*")
    version = version_of(ops, "geo", 1)
    # Granted to everyone: deleted only with that confirmed (the live check would refuse).
    result = ops.delete_layer_version(version, assess_delete(ops.session, ops.journal, version))
    backup = result.backup.zip_path.read_bytes()
    assert len(backup) == published["Content"]["CodeSize"]
    digest = base64.b64encode(hashlib.sha256(backup).digest()).decode()
    assert digest == published["Content"]["CodeSha256"]
    assert result.backup.folder == (tmp_path / "backups" / ops.session.account_id() / REGION
                                    / "geo" / "1")
    assert "org" in (result.backup.folder / "policy.json").read_text()
    assert json.loads((result.backup.folder / "metadata.json").read_text())["Version"] == 1
    assert lam.list_layer_versions(LayerName="geo")["LayerVersions"] == []
    assert [r.arn for r in list_backups(tmp_path / "backups", ops.session.account_id())] == [
        version.arn
    ]
    # Restore: published again from the backup, under a new number.
    record = result.backup
    restored = publish_layer_version(
        ops, restore_request(record.metadata(), record.zip_path), prepare_archive(record.zip_path)
    )
    assert restored["Version"] == 2
    assert restored["Content"]["CodeSha256"] == published["Content"]["CodeSha256"]


def test_a_failed_backup_deletes_nothing(sandbox: Sandbox, tmp_path: Path) -> None:
    ops = make_ops(sandbox, tmp_path)
    tree = layer_tree(tmp_path / "tree")
    publish_layer_version(ops, PublishRequest("geo", tree, REGION), prepare_archive(tree))
    version = version_of(ops, "geo", 1)
    sandbox.content_url_ttl = -1  # every URL is born expired: the download answers 403
    with pytest.raises(AwsError) as failure:
        ops.delete_layer_version(version)
    assert "nothing" in str(failure.value)
    lam = sandbox.client("lambda", REGION)
    assert [v["Version"] for v in lam.list_layer_versions(LayerName="geo")["LayerVersions"]] == [1]
    assert not any(e.action == "DeleteLayerVersion" for e in ops.journal.entries())


def test_deleting_a_version_someone_else_deleted(sandbox: Sandbox, tmp_path: Path) -> None:
    ops = make_ops(sandbox, tmp_path)
    tree = layer_tree(tmp_path / "tree")
    publish_layer_version(ops, PublishRequest("geo", tree, REGION), prepare_archive(tree))
    version = version_of(ops, "geo", 1)
    sandbox.client("lambda", REGION).delete_layer_version(LayerName="geo", VersionNumber=1)
    with pytest.raises(AwsError) as failure:
        ops.delete_layer_version(version)
    assert failure.value.code == "AlreadyDeleted"
    assert "no longer exists" in str(failure.value)


def test_keep_newest_plans_only_unused_old_versions() -> None:
    from layer_tui.aws.models import FunctionRef

    user = FunctionRef("svc", "arn:aws:lambda:eu-west-1:1:function:svc", "$LATEST", None, ())
    versions = [
        LayerVersion("geo", n, f"arn:geo:{n}", "arn:geo", REGION, "", 1, "x",
                     consumers=(user,) if n == 2 else ())
        for n in (1, 2, 3, 5, 6)
    ]
    assert [v.version for v in plan_keep_newest(versions, 2)] == [3, 1]
    with pytest.raises(ValueError):
        plan_keep_newest(versions, 0)


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"layer_name": "geo tools"}, "characters AWS refuses"),
        ({"layer_name": "x" * 141}, "at most 140"),
        ({"layer_name": "x" * 110}, "140-character limit"),
        ({"layer_name": ""}, "empty"),
        ({"runtimes": ("python3.12",) * 16}, "at most 15"),
        ({"runtimes": ("python9.9",)}, "unknown runtime 'python9.9'"),
        ({"architectures": ("sparc",)}, "unknown architecture"),
        ({"description": "d" * 257}, "AWS allows 256"),
        ({"license": "l" * 513}, "AWS allows 512"),
    ],
)
def test_bad_publish_input_is_refused_before_any_call(
    change: dict[str, Any], needle: str, tmp_path: Path
) -> None:
    request = PublishRequest(**{"layer_name": "geo", "source": tmp_path, "region": REGION,
                                **change})
    with pytest.raises(InvalidInput) as failure:
        validate_request(request, "123456789012")
    assert needle in str(failure.value)
    assert "\n" not in str(failure.value)


def test_bad_sources(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="does not exist"):
        prepare_archive(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidInput, match="holds no files"):
        prepare_archive(tmp_path / "empty")
    (tmp_path / "notes.zip").write_text("not a zip at all")
    with pytest.raises(InvalidInput, match="not a zip file"):
        prepare_archive(tmp_path / "notes.zip")
    (tmp_path / "zero.zip").write_bytes(b"")
    with pytest.raises(InvalidInput, match="is empty"):
        prepare_archive(tmp_path / "zero.zip")
    locked = layer_tree(tmp_path / "locked")
    # Root reads anything, so unreadability is what os.access reports, not what chmod says.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("layer_tui.aws.publishing.os.access", lambda *_: False)
        with pytest.raises(InvalidInput, match="not readable"):
            prepare_archive(locked)
        with pytest.raises(InvalidInput, match="not readable"):
            prepare_archive(tmp_path / "notes.zip")


def test_an_archive_over_the_unzipped_budget(tmp_path: Path) -> None:
    # 300 MB of zeros deflate to a few hundred KB: a zip bomb in miniature.
    path = tmp_path / "big.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive, archive.open(
        "python/blob.bin", "w", force_zip64=True
    ) as blob:
        chunk = bytes(1 << 20)
        for _ in range(300):
            blob.write(chunk)
    with pytest.raises(InvalidInput, match="262,144,000"):
        prepare_archive(path)


def test_read_only_sends_no_mutating_call(sandbox: Sandbox, tmp_path: Path) -> None:
    ops = make_ops(sandbox, tmp_path, read_only=True)
    lam = ops.session.client("lambda", REGION)
    attempted: list[str] = []
    sent: list[str] = []
    # Registered first, so it sees every call before the session's own refusal does.
    lam.meta.events.register_first("before-call", lambda model, **_: attempted.append(model.name))
    lam.meta.events.register("before-send", lambda request, **_: sent.append(request.method))
    tree = layer_tree(tmp_path / "tree")
    with pytest.raises(ReadOnlyError):
        publish_layer_version(ops, PublishRequest("geo", tree, REGION), prepare_archive(tree))
    with pytest.raises(ReadOnlyError):  # even code that skips the operations layer is refused
        lam.delete_layer_version(LayerName="geo", VersionNumber=1)
    assert attempted == ["DeleteLayerVersion"]
    assert sent == []
    assert list(ops.journal.entries()) == []
    assert lam.list_layers()["Layers"] == []  # reading still works
    assert sent == ["GET"]
    assert not any(name.startswith(MUTATING) for name in attempted[1:])


def test_links_inside_the_folder_stay_links_and_links_out_are_refused(tmp_path: Path) -> None:
    folder = layer_tree(tmp_path / "layer")
    lib = folder / "lib"
    lib.mkdir()
    (lib / "libgeo.so.1").write_bytes(b"\x7fELF not really")
    (lib / "libgeo.so").symlink_to("libgeo.so.1")
    prepared = prepare_archive(folder)
    with zipfile.ZipFile(prepared.path) as archive:
        link = archive.getinfo("lib/libgeo.so")
        assert stat.S_ISLNK(link.external_attr >> 16)
        assert archive.read(link) == b"libgeo.so.1"
        assert stat.S_ISREG(archive.getinfo("lib/libgeo.so.1").external_attr >> 16)
    (lib / "libc.so").symlink_to("/etc/hostname")
    with pytest.raises(InvalidInput, match=r"libc.so links to /etc/hostname, outside .*layer; "
                                           "it would dangle in the layer"):
        prepare_archive(folder)
    (lib / "libc.so").unlink()
    (lib / "gone.so").symlink_to("missing.so")
    with pytest.raises(InvalidInput, match=r"gone\.so links to missing\.so, which does not"):
        prepare_archive(folder)
    (lib / "gone.so").unlink()
    (lib / "loop.so").symlink_to("loop.so")
    with pytest.raises(InvalidInput, match=r"loop\.so is a symlink loop"):
        prepare_archive(folder)
    (lib / "loop.so").unlink()
    # Written as an absolute path into the folder: stored relative, so it works under /opt.
    (lib / "libabs.so").symlink_to(lib / "libgeo.so.1")
    # Relative, but climbing out of the folder and back in.
    (lib / "libclimb.so").symlink_to(f"../../{folder.name}/lib/libgeo.so.1")
    with zipfile.ZipFile(prepare_archive(folder).path) as archive:
        assert archive.read("lib/libabs.so") == b"libgeo.so.1"
        assert archive.read("lib/libclimb.so") == b"libgeo.so.1"
    leftovers = set(Path(tempfile.gettempdir()).glob("layer-tui-*.zip"))
    (lib / "out.so").symlink_to("/etc/hostname")
    with pytest.raises(InvalidInput):
        prepare_archive(folder)
    assert set(Path(tempfile.gettempdir()).glob("layer-tui-*.zip")) <= leftovers
