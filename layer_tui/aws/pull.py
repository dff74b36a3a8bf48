"""Pull a function's /opt (or one layer version) into a folder, to run the function locally.

A function (name or ARN, a published version or alias too) gives its layers in merge order
(GetFunctionConfiguration); a layer version ARN gives that one version. Each version is read
with GetLayerVersionByArn (CodeSha256, CodeSize, a fresh content URL), taken from the local
cache when a zip with that CodeSha256 is there and still hashes to it, else downloaded in
parallel (bounded by CodeSize, a fresh URL once on 403/404) and verified before it is cached.
Then ``opt_tree.merge_layers`` extracts them in merge order into a staging folder beside the
destination, which is renamed into place only when everything succeeded: on any failure the
destination is left as it was (absent, or empty) and the staging folder is removed.
The staging folder records the process that made it (``owner.json``, beside the tree that is
moved into place, so it never reaches the destination). A pull killed outright (SIGKILL, a
lost SSH session) cannot remove its staging folder; the next pull to the same place removes
every one whose process is gone, and says so.

Failures are one line each. ``PullRefused``: what the user asked for is wrong (an unknown
function or ARN, a name found in no region looked at or in several, a destination that is
not an empty writable folder) — exit 2. ``PullFailed``: what AWS or the network served is
(a version gone mid-pull, a checksum mismatch, an entry that would escape the folder) — 1.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from layer_tui.aws.errors import describe, error_code
from layer_tui.aws.journal import owner_alive, this_process
from layer_tui.aws.layer_fetch import (
    WORKERS,
    FetchState,
    LayerZipCache,
    Progress,
    PullCancelled,
    PullFailed,
    PullProgress,
    fetch_version,
    read_version,
    version_label,
)
from layer_tui.aws.local_run import RunCommand, run_command
from layer_tui.aws.opt_tree import LayerArchive, MergeReport, UnsafeArchive, merge_layers

_REGION = r"[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}"
LAYER_VERSION_ARN = re.compile(
    rf"^arn:aws[a-zA-Z-]*:lambda:(?P<region>{_REGION}):\d{{12}}:layer:"
    r"(?P<name>[a-zA-Z0-9-_]{1,140}):(?P<version>[0-9]+)$"
)
FUNCTION_ARN = re.compile(
    rf"^arn:aws[a-zA-Z-]*:lambda:(?P<region>{_REGION}):\d{{12}}:function:"
    r"(?P<name>[a-zA-Z0-9-_]{1,64})(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9-_]{1,128}))?$"
)
FUNCTION_NAME = re.compile(r"^[a-zA-Z0-9-_]{1,64}(?::(?:\$LATEST|[a-zA-Z0-9-_]{1,128}))?$")


class PullRefused(Exception):
    """What the user asked for cannot be pulled (bad input: exit 2); the message is one line."""


@dataclass(frozen=True)
class PullTarget:
    """What a pull extracts: layer version ARNs in merge order, and how the function runs."""

    label: str
    arn: str
    region: str
    layers: tuple[str, ...]
    runtime: str | None
    architecture: str
    handler: str | None
    is_function: bool


@dataclass(frozen=True)
class PullResult:
    target: PullTarget
    folder: Path
    #: Content bytes downloaded by this pull (0 when every version came from the cache).
    downloaded: int
    cached: tuple[str, ...]
    merge: MergeReport
    run: RunCommand
    #: Staging folders of earlier pulls to this place whose process was killed, removed now.
    swept: tuple[Path, ...] = ()


# -- what to pull ---------------------------------------------------------------------------


def resolve_target(session: Any, text: str, regions: Callable[[], Sequence[str]]) -> PullTarget:
    """The function or layer version ``text`` names; ``regions`` are where a bare name is
    looked for (the ``--region`` given, else every enabled region)."""
    layer = LAYER_VERSION_ARN.match(text)
    if layer:
        return _layer_version_target(session, text, layer["region"])
    function = FUNCTION_ARN.match(text)
    if function:
        return _function_target(session, text, [function["region"]])
    if FUNCTION_NAME.match(text):
        return _function_target(session, text, list(regions()))
    raise PullRefused(
        f"{text!r} is neither a function name nor a function or layer version ARN; give e.g. "
        "my-function, arn:aws:lambda:REGION:ACCOUNT:function:NAME or "
        "arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION"
    )


def _layer_version_target(session: Any, arn: str, region: str) -> PullTarget:
    try:
        found = session.client("lambda", region).get_layer_version_by_arn(Arn=arn)
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            raise PullRefused(f"layer version {arn} does not exist (deleted?); list the "
                              "versions there are with 'layer-tui inventory'") from exc
        raise describe(exc, f"reading {arn}") from exc
    runtimes = found.get("CompatibleRuntimes") or []
    architectures = found.get("CompatibleArchitectures") or ["x86_64"]
    return PullTarget(
        label=version_label(arn), arn=arn, region=region, layers=(arn,),
        runtime=runtimes[0] if runtimes else None,
        architecture="x86_64" if "x86_64" in architectures else architectures[0],
        handler=None, is_function=False,
    )


def _function_target(session: Any, text: str, regions: list[str]) -> PullTarget:
    found: list[tuple[str, dict[str, Any]]] = []
    failed: list[str] = []

    def read(region: str) -> None:
        try:
            config = session.client("lambda", region).get_function_configuration(
                FunctionName=text)
        except ClientError as exc:
            if error_code(exc) != "ResourceNotFoundException":
                failed.append(f"{region} ({describe(exc).code})")
            return
        except BotoCoreError as exc:
            failed.append(f"{region} ({describe(exc).code})")
            return
        found.append((region, config))

    with ThreadPoolExecutor(max_workers=max(1, min(8, len(regions)))) as pool:
        list(pool.map(read, regions))
    looked = ", ".join(sorted(regions)) or "no region"
    if not found:
        unread = f"; unreadable: {', '.join(sorted(failed))}" if failed else ""
        raise PullRefused(
            f"function {text} was not found in {looked} (the regions looked in{unread}); give "
            "its region with --region R, or its ARN"
        )
    if len(found) > 1:
        where = ", ".join(sorted(region for region, _ in found))
        raise PullRefused(f"a function {text} exists in {where}; say which with --region R, "
                          "or give its ARN")
    region, config = found[0]
    if config.get("PackageType") == "Image":
        raise PullRefused(f"function {text} is a container image: Lambda mounts no layers "
                          "for it, so there is no /opt to pull")
    version = str(config.get("Version") or "$LATEST")
    name = str(config.get("FunctionName") or text)
    return PullTarget(
        label=f"{name} ({version})" if version == "$LATEST" else f"{name}:{version}",
        arn=str(config.get("FunctionArn") or text), region=region,
        layers=tuple(str(layer["Arn"]) for layer in config.get("Layers") or ()),
        runtime=config.get("Runtime"),
        architecture=(config.get("Architectures") or ["x86_64"])[0],
        handler=config.get("Handler"), is_function=True,
    )


# -- the destination ------------------------------------------------------------------------


#: In a staging folder: who made it (``this_process``); the tree itself is under ``TREE``.
OWNER_FILE, TREE = "owner.json", "opt"


def staging_folders(destination: Path) -> list[Path]:
    """The staging folders pulls to ``destination`` made beside it (hidden, by name)."""
    try:
        return sorted(p for p in destination.parent.glob(f".{destination.name}.pull-*")
                      if p.is_dir() and not p.is_symlink())
    except OSError:
        return []


def sweep_staging(destination: Path) -> tuple[Path, ...]:
    """Remove the staging folders of pulls to ``destination`` whose process is gone.

    One without an owner file (made before pulls recorded one, or killed between mkdtemp and
    the write) is taken as abandoned, as the journal takes an entry without an owner; one
    whose process still runs (another pane's pull) is left alone.
    """
    swept = []
    for folder in staging_folders(destination):
        try:
            owner = json.loads((folder / OWNER_FILE).read_text("utf-8"))
        except (OSError, ValueError):
            owner = None
        if owner_alive(owner if isinstance(owner, dict) else None):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            swept.append(folder)
    return tuple(swept)


def destination_of(folder: Path) -> Path:
    """Where ``--to`` really points: absolute, through a symlink to a folder."""
    destination = Path(os.path.abspath(folder.expanduser()))
    return destination.resolve() if destination.is_symlink() else destination


def prepare_destination(folder: Path) -> tuple[Path, Path]:
    """(the destination, absolute; a fresh staging folder beside it) or ``PullRefused``.

    The tree is built in the staging folder's ``TREE``; the caller moves that into place.
    """
    destination = destination_of(folder)
    if destination.exists():
        if not destination.is_dir():
            raise PullRefused(f"{destination} exists and is not a folder; give a new or empty "
                              "folder with --to")
        if any(destination.iterdir()):
            raise PullRefused(f"{destination} is not empty; give a new or empty folder with "
                              "--to (nothing was written)")
    parent = destination.parent
    if not parent.is_dir():
        raise PullRefused(f"{parent} does not exist; create it first or give another --to")
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.pull-", dir=parent))
        (staging / OWNER_FILE).write_text(json.dumps(this_process()), "utf-8")
        (staging / TREE).mkdir()
    except OSError as exc:
        raise PullRefused(f"cannot write in {parent} ({exc.strerror}); give a folder you may "
                          "write with --to") from exc
    return destination, staging


# -- the pull -------------------------------------------------------------------------------


def pull(
    session: Any, target: PullTarget, folder: Path, *, progress: Progress | None = None,
    cache: LayerZipCache | None = None, cancel: threading.Event | None = None,
) -> PullResult:
    """Download, verify and merge ``target``'s layers into ``folder`` (new or empty)."""
    swept = sweep_staging(destination_of(folder))
    destination, staging = prepare_destination(folder)
    state = FetchState(progress or (lambda _: None), cancel or threading.Event())
    cache = cache or LayerZipCache()
    unique = list(dict.fromkeys(target.layers))
    try:
        # Every version is read before any download starts, so a version deleted after this
        # point is one that disappeared mid-pull (its content URL then answers 404).
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            metadata = dict(zip(unique, state.each(
                pool, lambda arn: read_version(session.client("lambda", arn.split(":")[3]), arn),
                unique), strict=True))
            for arn in unique:
                size = (metadata[arn].get("Content") or {}).get("CodeSize") or 0
                state.progress(PullProgress(arn, version_label(arn), "resolved", 0, size))
            fetched = dict(zip(unique, state.each(
                pool, lambda arn: fetch_version(session, arn, metadata[arn], cache, state),
                unique), strict=True))
        archives = [LayerArchive(arn, version_label(arn), fetched[arn][0])
                    for arn in target.layers]
        state.progress(PullProgress(target.arn, target.label, "extracting"))
        try:
            merge = merge_layers(archives, staging / TREE)
        except UnsafeArchive as exc:
            raise PullFailed(str(exc)) from exc
        if state.cancel.is_set():
            raise PullCancelled("pull stopped; nothing was written to the folder")
        try:
            # rename(2) replaces an empty folder in one step, and fails if it filled meanwhile.
            os.replace(staging / TREE, destination)
        except OSError as exc:
            raise PullRefused(f"{destination} could not be replaced ({exc.strerror}); it must "
                              "be new or empty (nothing was written)") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    state.progress(PullProgress(target.arn, target.label, "done"))
    run = run_command(destination, target.runtime, target.architecture, target.handler,
                      assumed_runtime=not target.is_function and target.runtime is not None)
    return PullResult(target, destination, state.bytes,
                      tuple(arn for arn in unique if fetched[arn][1]), merge, run, swept)


__all__ = [
    "LayerZipCache",
    "PullCancelled",
    "PullFailed",
    "PullProgress",
    "PullRefused",
    "PullResult",
    "PullTarget",
    "prepare_destination",
    "pull",
    "resolve_target",
    "version_label",
]
