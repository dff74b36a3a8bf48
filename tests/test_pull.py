"""`pull`: a function's /opt (or one version) on disk, exactly as Lambda would mount it.

Promises (issue 15, "Pull to run locally"), each tested against the sandbox over HTTP with
layers built from real wheels (MarkupSafe 3.0.2 and 3.0.4, six) and real npm packages (ms
2.1.2 and 2.1.3), overlapping on purpose:
- the pulled tree equals an independent extraction in merge order done here with zipfile,
  file by file (bytes, modes, symlinks), for both orders of the same two layers;
- a second pull downloads 0 bytes (the content server's byte counter says so);
- hostile zips (``../`` names, absolute names, backslashes, a symlink to /etc, a link that
  leaves through another link, a file written through an earlier layer's link) are refused
  in one line and the folder is left as it was, with nothing written anywhere else;
- wrong bytes from the content host (a sandbox fault) fail the checksum: one line, the
  folder empty, nothing cached;
- bad input (unknown function or ARN, a region not looked in, a folder not empty, not
  writable, a file) is one line, exit 2; a version deleted mid-pull, one line, exit 1;
- the run command names AWS's base image for the runtime and architecture.
"""

from __future__ import annotations

import io
import os
import stat
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from corpus.build import fetch_wheel, npm_files, wheel_files

from layer_tui import cli
from layer_tui.aws.local_run import base_image
from layer_tui.aws.pull import PullFailed, PullProgress, pull, resolve_target
from layer_tui.aws.session import AwsSession, SessionConfig
from layer_tui.sandbox.server import Sandbox

REGION = "eu-west-1"
OTHER = "us-east-1"
SITE = "python/lib/python3.12/site-packages/"
Entry = tuple[str, bytes, int, int]  # name, data, st_mode (high bits), create_system


# -- real packages, cached for the session ----------------------------------------------------


@pytest.fixture(scope="session")
def package_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # The corpus slice's cache folder: its wheels are downloaded once for every test file.
    return tmp_path_factory.getbasetemp().parent / "layer-tui-corpus"


def npm_package(cache: Path, spec: str) -> Path:
    folder = cache / "npm-pull" / spec.replace("@", "-")
    found = sorted(folder.glob("*.tgz"))
    if not found:
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "pack", "--silent", spec], cwd=folder, check=True,
                       capture_output=True, timeout=300)
        found = sorted(folder.glob("*.tgz"))
    return found[0]


def layer_zip(entries: list[Entry]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data, mode, system in entries:
            info = zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0))
            info.create_system = system
            info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def from_files(files: dict[str, tuple[bytes, int]]) -> list[Entry]:
    return [(path, data, mode, 3) for path, (data, mode) in files.items()]


@pytest.fixture(scope="session")
def overlapping_layers(package_cache: Path) -> tuple[bytes, bytes]:
    """"old" and "new": the same packages in two releases, plus a folder replaced by a file, a
    file replaced by a folder, executables, a link inside, an entry with no Unix mode."""
    old = [*from_files({
        **wheel_files(fetch_wheel(package_cache, "linux-x86_64"), SITE),  # MarkupSafe 3.0.2
        **wheel_files(fetch_wheel(package_cache, "pure"), SITE),  # six
        **npm_files(npm_package(package_cache, "ms@2.1.2"), "nodejs/node_modules/ms/"),
    }),
        ("extensions/agent/", b"", stat.S_IFDIR | 0o755, 3),
        ("extensions/agent/run", b"#!/bin/sh\necho old\n", stat.S_IFREG | 0o755, 3),
        ("lib/tool", b"old tool\n", stat.S_IFREG | 0o644, 3),
        ("bin/hello", b"#!/bin/sh\necho hello\n", stat.S_IFREG | 0o750, 3),
    ]
    new = [*from_files({
        **wheel_files(fetch_wheel(package_cache, "linux-ppc64le"), SITE),  # MarkupSafe 3.0.4
        **npm_files(npm_package(package_cache, "ms@2.1.3"), "nodejs/node_modules/ms/"),
    }),
        ("extensions/agent", b"#!/bin/sh\necho new\n", stat.S_IFREG | 0o755, 3),
        ("lib/tool/README", b"a folder now\n", stat.S_IFREG | 0o644, 3),
        ("bin/ms.js", b"../nodejs/node_modules/ms/index.js", stat.S_IFLNK | 0o777, 3),
        ("python/made-on-windows.txt", b"no unix mode\n", 0, 0),
    ]
    return layer_zip(old), layer_zip(new)


# -- the oracle: an independent extraction in merge order ---------------------------------------


def _drop(tree: dict[str, tuple[Any, ...]], path: str) -> None:
    for key in [k for k in tree if k == path or k.startswith(path + "/")]:
        del tree[key]


def expected_tree(zips: list[bytes]) -> dict[str, tuple[Any, ...]]:
    """What Lambda mounts: every layer in order, a later entry replacing whatever was at its
    path; folders merge; a file's mode from its Unix bits, else 0644."""
    tree: dict[str, tuple[Any, ...]] = {}
    for data in zips:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                parts = [part for part in info.filename.split("/") if part]
                unix = info.external_attr >> 16 if info.create_system == 3 else 0
                for depth in range(1, len(parts) + 1):
                    here = "/".join(parts[:depth])
                    is_folder = depth < len(parts) or info.filename.endswith("/")
                    if is_folder:
                        if tree.get(here, ("dir",)) != ("dir",):
                            _drop(tree, here)
                        tree[here] = ("dir",)
                if info.filename.endswith("/"):
                    continue
                path = "/".join(parts)
                _drop(tree, path)
                if stat.S_ISLNK(unix):
                    tree[path] = ("link", archive.read(info).decode())
                else:
                    tree[path] = ("file", archive.read(info), (unix & 0o777) or 0o644)
    return tree


def actual_tree(root: Path) -> dict[str, tuple[Any, ...]]:
    tree: dict[str, tuple[Any, ...]] = {}
    for folder, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            full = Path(folder, name)
            relative = full.relative_to(root).as_posix()
            info = os.lstat(full)
            if stat.S_ISLNK(info.st_mode):
                tree[relative] = ("link", os.readlink(full))
            elif stat.S_ISDIR(info.st_mode):
                tree[relative] = ("dir",)
            else:
                tree[relative] = ("file", full.read_bytes(), stat.S_IMODE(info.st_mode))
    return tree


# -- the estate ---------------------------------------------------------------------------------


@pytest.fixture
def box() -> Iterator[Sandbox]:
    with Sandbox(regions=(REGION, OTHER)) as started:
        yield started


def publish(box: Sandbox, name: str, data: bytes, **extra: Any) -> str:
    arn: str = box.client("lambda", REGION).publish_layer_version(
        LayerName=name, Content={"ZipFile": data}, **extra)["LayerVersionArn"]
    return arn


def function(box: Sandbox, name: str, layers: list[str], **extra: Any) -> str:
    extra.setdefault("Runtime", "python3.12")
    created: str = box.client("lambda", REGION).create_function(
        FunctionName=name, Role=box.execution_role_arn, Handler="app.handler",
        Code={"ZipFile": layer_zip([("app.py", b"def handler(e, c): return 1\n",
                                     stat.S_IFREG | 0o644, 3)])},
        Layers=layers, **extra)["FunctionArn"]
    return created


def run_pull(box: Sandbox, target: str, folder: Path, capsys: pytest.CaptureFixture[str],
             *regions: str) -> tuple[int, str, list[str]]:
    """(exit code, stdout, the stderr lines that are messages, not progress)."""
    args = ["pull", target, "--to", str(folder), "--endpoint-url", box.endpoint_url]
    for region in regions:
        args += ["--region", region]
    code = cli.main(args)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, [line for line in err.splitlines() if line.startswith("layer-tui:")]


def leftovers(parent: Path, keep: set[str]) -> list[str]:
    """Anything in ``parent`` but ``keep``: a staging folder left behind, a planted file (the
    test's own XDG and AWS config folders aside)."""
    return sorted(p.name for p in parent.iterdir() if p.name not in keep | {"xdg", "aws"})


# -- the tree -----------------------------------------------------------------------------------


@pytest.mark.parametrize("order", ["old-then-new", "new-then-old"])
def test_pulled_tree_equals_an_independent_merge_in_order(
    box: Sandbox, overlapping_layers: tuple[bytes, bytes], tmp_path: Path,
    capsys: pytest.CaptureFixture[str], order: str,
) -> None:
    """Attack: two releases of the same packages, a folder and a file trading places, links
    and exec bits. Promise: the folder holds exactly what Lambda would mount, in the
    function's order — compared path by path with zipfile's own reading, bytes and modes."""
    old, new = overlapping_layers
    arns = {"old": publish(box, "old", old), "new": publish(box, "new", new)}
    zips = {"old": old, "new": new}
    names = order.split("-then-")
    function(box, "svc", [arns[n] for n in names], Architectures=["arm64"])
    code, out, messages = run_pull(box, "svc", tmp_path / "opt", capsys, REGION)
    assert code == 0, messages
    expected = expected_tree([zips[n] for n in names])
    # The layers really overlap, and the order really decides (else this proves nothing).
    first, second = (expected_tree([zips[n]]) for n in names)
    overlap = {p for p in first if p in second and first[p] != second[p]}
    assert f"{SITE}markupsafe/__init__.py" in overlap and "extensions/agent" in overlap
    assert expected != expected_tree([zips[n] for n in reversed(names)])
    assert actual_tree(tmp_path / "opt") == expected
    assert (tmp_path / "opt").stat().st_mode & 0o777 == 0o755
    assert leftovers(tmp_path, {"opt"}) == []
    assert "public.ecr.aws/lambda/python:3.12-arm64 app.handler" in out


def test_second_pull_downloads_nothing(
    box: Sandbox, overlapping_layers: tuple[bytes, bytes], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Attack: pulling the same function again. Promise: versions are cached by CodeSha256
    (0700 folder, 0600 files): the second pull sends 0 content bytes and gives the same tree."""
    old, new = overlapping_layers
    function(box, "svc", [publish(box, "old", old), publish(box, "new", new)])
    assert run_pull(box, "svc", tmp_path / "one", capsys, REGION)[0] == 0
    first = box.stats.content_bytes_sent
    assert first >= len(old) + len(new)  # the first pull did download them
    assert run_pull(box, "svc", tmp_path / "two", capsys, REGION)[0] == 0
    assert box.stats.content_bytes_sent == first
    assert actual_tree(tmp_path / "two") == actual_tree(tmp_path / "one")
    cache = Path(os.environ["XDG_CACHE_HOME"]) / "layer-tui" / "layers"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    zips = sorted(cache.iterdir())
    assert len(zips) == 2 and all(stat.S_IMODE(z.stat().st_mode) == 0o600 for z in zips)


# -- hostile zips -------------------------------------------------------------------------------

FILE, LINK = stat.S_IFREG | 0o644, stat.S_IFLNK | 0o777


def hostile_cases(tmp_path: Path) -> dict[str, tuple[list[list[Entry]], str]]:
    """Layers in merge order, and the words the refusal must say."""
    ok = ("python/ok.py", b"ok = 1\n", FILE, 3)
    return {
        "dot-dot": ([[ok, ("python/../../escape.py", b"x", FILE, 3)]], "climbs out"),
        "absolute": ([[ok, (f"{tmp_path}/planted.py", b"x", FILE, 3)]], "absolute path"),
        "backslash": ([[ok, ("python\\..\\..\\escape.py", b"x", FILE, 3)]], "backslash"),
        "link-to-etc": ([[ok, ("python/etc", b"/etc", LINK, 3)]], "'/etc'"),
        "link-up": ([[ok, ("python/up", b"../../..", LINK, 3)]], "leads out"),
        "link-chain": ([[("p/q", b"..", LINK, 3), ("p/r", b"q/..", LINK, 3)]], "leads out"),
        "through-own-link": ([[("python/lib", b"../bin", LINK, 3),
                               ("python/lib/evil.py", b"x", FILE, 3)]], "through the symlink"),
        "through-earlier-link": ([[("python/lib", b"../bin", LINK, 3)],
                                  [("python/lib/evil.py", b"x", FILE, 3)]],
                                 "through the symlink 'python/lib' (made by first:1)"),
        "device": ([[ok, ("python/null", b"", stat.S_IFCHR | 0o666, 3)]], "neither a file"),
    }


@pytest.mark.parametrize("case", [
    "dot-dot", "absolute", "backslash", "link-to-etc", "link-up", "link-chain",
    "through-own-link", "through-earlier-link", "device",
])
def test_hostile_zip_is_refused_and_the_folder_untouched(
    box: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str,
) -> None:
    """Attack: a layer whose zip would write outside the folder, leave it by a link, or write
    through a link. Promise: one line naming the layer and entry, exit 1, the (empty) folder
    left empty, nothing written beside it or where the entry pointed."""
    layers, words = hostile_cases(tmp_path)[case]
    arns = [publish(box, ("first", "second")[n], layer_zip(entries))
            for n, entries in enumerate(layers)]
    function(box, "svc", arns)
    work = tmp_path / "work"
    (work / "opt").mkdir(parents=True)
    code, out, messages = run_pull(box, "svc", work / "opt", capsys, REGION)
    assert (code, out) == (1, "")
    assert len(messages) == 1 and words in messages[0] and "refused" in messages[0], messages
    assert list((work / "opt").iterdir()) == []
    assert leftovers(work, {"opt"}) == [] and leftovers(tmp_path, {"work"}) == []
    assert not Path("/etc/evil.py").exists()


# -- checksums, bad input, deleted versions ---------------------------------------------------


def test_wrong_bytes_fail_the_checksum_and_leave_nothing(
    box: Sandbox, overlapping_layers: tuple[bytes, bytes], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Attack: the content host (a proxy, a disk) alters one byte of a layer. Promise: the
    CodeSha256 check fails the pull in one line, exit 1; the folder stays empty and no zip is
    cached (a later pull downloads again)."""
    old, new = overlapping_layers
    function(box, "svc", [publish(box, "old", old), publish(box, "new", new)])
    box.faults.wrong_content_layers = {"new"}
    (tmp_path / "opt").mkdir()
    code, out, messages = run_pull(box, "svc", tmp_path / "opt", capsys, REGION)
    assert (code, out) == (1, "")
    assert len(messages) == 1 and "new:1" in messages[0] and "checksum" in messages[0], messages
    assert box.stats.content_bytes_sent >= len(new)  # the altered bytes did arrive
    assert list((tmp_path / "opt").iterdir()) == [] and leftovers(tmp_path, {"opt"}) == []
    cache = Path(os.environ["XDG_CACHE_HOME"]) / "layer-tui" / "layers"
    assert not any(cache.glob(".part-*"))
    cached = {p.stat().st_size for p in cache.glob("*.zip")}
    assert len(new) not in cached


def test_bad_input_is_one_line_and_writes_nothing(
    box: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    """Attack: every wrong thing a user can type. Promise: one line saying what and what to
    do, exit 2, and the folder as it was."""
    arn = publish(box, "geo", layer_zip([("python/geo.py", b"g = 1\n", FILE, 3)]))
    function_arn = function(box, "svc", [arn])
    full = tmp_path / "full"
    full.mkdir()
    (full / "mine.txt").write_text("keep me")
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    cases = [
        ("nope", tmp_path / "o1", (REGION,), "function nope was not found in eu-west-1"),
        ("svc", tmp_path / "o2", (OTHER,), "not found in us-east-1"),
        ("bad name!", tmp_path / "o3", (REGION,), "neither a function name"),
        (arn.replace(":geo:1", ":geo:7"), tmp_path / "o4", (), "does not exist"),
        ("svc", full, (REGION,), "is not empty"),
        ("svc", a_file, (REGION,), "is not a folder"),
        ("svc", Path("/sys/layer-tui-pull"), (REGION,), "cannot write in /sys"),
        ("svc", tmp_path / "missing" / "opt", (REGION,), "does not exist; create it"),
    ]
    for target, folder, regions, words in cases:
        code, out, messages = run_pull(box, target, folder, capsys, *regions)
        assert (code, out) == (2, ""), (target, messages)
        assert len(messages) == 1 and words in messages[0], (target, messages)
    assert [p.name for p in full.iterdir()] == ["mine.txt"] and a_file.read_text() == (
        "not a folder")
    assert leftovers(tmp_path, {"full", "a-file"}) == []
    # The region not looked in is the whole problem: named by ARN (or --region), it pulls.
    assert run_pull(box, function_arn, tmp_path / "o2", capsys, OTHER)[0] == 0
    assert (tmp_path / "o2" / "python" / "geo.py").read_bytes() == b"g = 1\n"


def test_a_version_deleted_mid_pull_leaves_nothing(box: Sandbox, tmp_path: Path) -> None:
    """Attack: a layer version deleted after the pull read it, as its download starts.
    Promise: PullFailed in one line naming it; no folder, no staging folder, nothing cached."""
    first = publish(box, "first", layer_zip([("python/a.py", b"a\n", FILE, 3)]))
    second = publish(box, "second", layer_zip([("python/b.py", b"b\n", FILE, 3)]))
    function(box, "svc", [first, second])
    session = AwsSession(SessionConfig(endpoint_url=box.endpoint_url, regions=(REGION,)))
    deleted: list[str] = []

    def delete_as_it_starts(event: PullProgress) -> None:
        if event.arn == second and event.stage == "downloading" and not deleted:
            box.client("lambda", REGION).delete_layer_version(LayerName="second",
                                                              VersionNumber=1)
            deleted.append(event.arn)

    target = resolve_target(session, "svc", lambda: [REGION])
    with pytest.raises(PullFailed) as failure:
        pull(session, target, tmp_path / "opt", progress=delete_as_it_starts)
    assert deleted == [second]  # the fault did fire, mid-pull
    assert "second:1" in str(failure.value) and "does not exist any more" in str(failure.value)
    assert "\n" not in str(failure.value)
    assert leftovers(tmp_path, set()) == []


def test_a_function_pinned_to_a_deleted_version_fails_in_one_line(
    box: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    """Attack: a function still lists a version deleted since. Promise: exit 1, one line
    that says the next deploy fails; nothing written."""
    arn = publish(box, "geo", layer_zip([("python/geo.py", b"g\n", FILE, 3)]))
    function(box, "svc", [arn])
    box.client("lambda", REGION).delete_layer_version(LayerName="geo", VersionNumber=1)
    code, out, messages = run_pull(box, "svc", tmp_path / "opt", capsys, REGION)
    assert (code, out) == (1, "")
    assert len(messages) == 1 and "geo:1" in messages[0] and "next deploy" in messages[0]
    assert leftovers(tmp_path, set()) == []


# -- the run command ----------------------------------------------------------------------------


def test_run_command_names_the_base_image_for_python312_arm64(
    box: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    """Promise: stdout is the one command: AWS's python:3.12 base image, arm64 tag and
    platform, the folder read-only at /opt, the code at /var/task, the handler last."""
    arn = publish(box, "geo", layer_zip([("python/geo.py", b"g\n", FILE, 3)]),
                  CompatibleRuntimes=["python3.12"], CompatibleArchitectures=["arm64"])
    function(box, "svc", [arn], Architectures=["arm64"])
    code, out, messages = run_pull(box, "svc", tmp_path / "opt", capsys, REGION)
    assert code == 0
    assert out == (f"docker run --rm -p 9000:8080 --platform linux/arm64 -v {tmp_path}/opt:"
                   "/opt:ro -v CODE:/var/task:ro public.ecr.aws/lambda/python:3.12-arm64 "
                   "app.handler\n")
    assert any("CODE:" in line for line in messages)


def test_base_images_per_runtime_family() -> None:
    """Promise: each runtime maps to its AWS base image tag; arm64 takes the -arm64 tag."""
    assert base_image("nodejs22.x", "x86_64") == "public.ecr.aws/lambda/nodejs:22"
    assert base_image("java21", "arm64") == "public.ecr.aws/lambda/java:21-arm64"
    assert base_image("java8.al2", "x86_64") == "public.ecr.aws/lambda/java:8.al2"
    assert base_image("ruby3.3", "x86_64") == "public.ecr.aws/lambda/ruby:3.3"
    assert base_image("dotnet8", "arm64") == "public.ecr.aws/lambda/dotnet:8-arm64"
    assert base_image("provided.al2023", "arm64") == (
        "public.ecr.aws/lambda/provided:al2023-arm64")
    assert base_image("python3.12", "x86_64") == "public.ecr.aws/lambda/python:3.12"
    assert base_image("cobol1", "x86_64") is None
