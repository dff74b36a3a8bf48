"""Pull a function's /opt (or one layer version) into a folder, to run the function locally.

A function (name or ARN, a published version or alias too) gives its layers in merge order
(GetFunctionConfiguration); a layer version ARN gives that one version. Each version is read
with GetLayerVersionByArn (CodeSha256, CodeSize, a fresh content URL), taken from the local
cache when a zip with that CodeSha256 is there and still hashes to it, else downloaded in
parallel (bounded by CodeSize, a fresh URL once on 403/404) and verified before it is cached.
Then ``opt_tree.merge_layers`` extracts them in merge order into a staging folder beside the
destination, which is renamed into place only when everything succeeded: on any failure the
destination is left as it was (absent, or empty) and the staging folder is removed.

Failures are one line each. ``PullRefused``: what the user asked for is wrong (an unknown
function or ARN, a name found in no region looked at or in several, a destination that is
not an empty writable folder) — exit 2. ``PullFailed``: what AWS or the network served is
(a version gone mid-pull, a checksum mismatch, an entry that would escape the folder) — 1.
"""

from __future__ import annotations

import base64
import hashlib
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

import urllib3
from botocore.exceptions import BotoCoreError, ClientError

from layer_tui.aws.backups import private_folder
from layer_tui.aws.content_url import (
    ContentsError,
    announced_length,
    discard_body,
    finish,
    open_content,
    read_at_most,
)
from layer_tui.aws.errors import describe, error_code
from layer_tui.aws.local_run import RunCommand, run_command
from layer_tui.aws.opt_tree import LayerArchive, MergeReport, UnsafeArchive, merge_layers
from layer_tui.aws.paths import cache_root

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
_WORKERS = 4
# Redirects are open_content's to judge (same host only), never urllib3's.
_http = urllib3.PoolManager(
    maxsize=_WORKERS, timeout=urllib3.Timeout(connect=5, read=60),
    retries=urllib3.Retry(total=2, redirect=False),
)


class PullRefused(Exception):
    """What the user asked for cannot be pulled (bad input: exit 2); the message is one line."""


class PullFailed(Exception):
    """AWS or the network failed the pull (exit 1); the message is one line."""


class PullCancelled(PullFailed):
    """The user stopped the pull; nothing was left in the destination."""


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
class PullProgress:
    """One step of one version: ``resolved`` (its size known), ``cached``, ``downloading``
    (``received`` of ``total`` bytes), ``downloaded``, ``extracting``; ``done`` for the pull."""

    arn: str
    label: str
    stage: str
    received: int = 0
    total: int = 0


@dataclass(frozen=True)
class PullResult:
    target: PullTarget
    folder: Path
    #: Content bytes downloaded by this pull (0 when every version came from the cache).
    downloaded: int
    cached: tuple[str, ...]
    merge: MergeReport
    run: RunCommand


Progress = Callable[[PullProgress], None]


def version_label(arn: str) -> str:
    """``geo:3`` for a layer version ARN."""
    parts = arn.split(":")
    return f"{parts[6]}:{parts[7]}" if len(parts) == 8 else arn


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


def prepare_destination(folder: Path) -> tuple[Path, Path]:
    """(the destination, absolute; a fresh staging folder beside it) or ``PullRefused``."""
    destination = Path(os.path.abspath(folder.expanduser()))
    if destination.is_symlink():
        destination = destination.resolve()
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
    except OSError as exc:
        raise PullRefused(f"cannot write in {parent} ({exc.strerror}); give a folder you may "
                          "write with --to") from exc
    return destination, staging


# -- the versions ---------------------------------------------------------------------------


class _Aborted(Exception):
    """Another version of this pull failed: the rest stop, and its error is the one said."""


class _Download:
    def __init__(self, progress: Progress, cancel: threading.Event) -> None:
        self.progress = progress
        self.cancel = cancel
        self.abort = threading.Event()
        self.lock = threading.Lock()
        self.bytes = 0

    def count(self, received: int) -> None:
        if self.cancel.is_set():
            raise PullCancelled("pull stopped; nothing was written to the folder")
        if self.abort.is_set():
            raise _Aborted
        with self.lock:
            self.bytes += received

    def each(self, pool: ThreadPoolExecutor, work: Callable[[str], Any],
             arns: Sequence[str]) -> list[Any]:
        """``work`` on every ARN in parallel; the first failure stops the others and is raised
        (not the stops it caused)."""

        def guarded(arn: str) -> Any:
            try:
                return work(arn)
            except BaseException:
                self.abort.set()
                raise

        futures = [pool.submit(guarded, arn) for arn in arns]
        errors = [f.exception() for f in futures]
        first = next((e for e in errors if e is not None and not isinstance(e, _Aborted)), None)
        if first is not None:
            raise first
        return [f.result() for f in futures]


class LayerZipCache:
    """Verified layer zips by CodeSha256 in ``$XDG_CACHE_HOME/layer-tui/layers`` (0700/0600).

    A zip is used only while it still hashes to its name: a damaged or altered one is
    dropped and downloaded again.
    """

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or cache_root() / "layers"

    def path_for(self, sha256: str) -> Path:
        try:
            raw = base64.b64decode(sha256, validate=True)
        except ValueError as exc:
            raise PullFailed(f"AWS gave a CodeSha256 that is not base64 ({sha256!r})") from exc
        return self.root / f"{base64.urlsafe_b64encode(raw).decode()}.zip"

    def get(self, sha256: str, size: int) -> Path | None:
        path = self.path_for(sha256)
        try:
            if path.stat().st_size == size and _sha256_of(path) == sha256:
                return path
        except OSError:
            return None
        path.unlink(missing_ok=True)
        return None

    def staging_file(self) -> Path:
        private_folder(self.root, self.root)
        descriptor, name = tempfile.mkstemp(prefix=".part-", dir=self.root)
        os.close(descriptor)
        return Path(name)


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(1024 * 1024):
            digest.update(chunk)
    return base64.b64encode(digest.digest()).decode()


def _read_version(client: Any, arn: str) -> dict[str, Any]:
    try:
        response: dict[str, Any] = client.get_layer_version_by_arn(Arn=arn)
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            raise PullFailed(
                f"layer version {version_label(arn)} ({arn}) does not exist any more (deleted "
                "meanwhile, or the function is pinned to a deleted version: its next deploy "
                "fails); nothing was written to the folder"
            ) from exc
        raise describe(exc, f"reading {arn}") from exc
    except BotoCoreError as exc:
        raise describe(exc, f"reading {arn}") from exc
    return response


def _download(url: str, target: Path, size: int, label: str, arn: str,
              state: _Download) -> int | None:
    """Stream ``url`` into ``target`` (at most ``size`` bytes); the HTTP status if not 200."""
    response = open_content(_http, url, {"Accept-Encoding": "identity"}, state.count)
    try:
        if response.status != 200:
            discard_body(response, state.count)
            return int(response.status)
        announced = announced_length(response)
        if announced is not None and announced > size:
            raise PullFailed(f"{label}: the content host announced {announced:,} bytes where "
                             f"CodeSize is {size:,}; refused, nothing was written to the folder")
        received = 0
        with target.open("wb") as out:
            os.fchmod(out.fileno(), 0o600)
            for chunk in read_at_most(response, size, state.count):
                out.write(chunk)
                received += len(chunk)
                state.progress(PullProgress(arn, label, "downloading", received, size))
    finally:
        finish(response)
    return None


def fetch_version(session: Any, arn: str, metadata: dict[str, Any], cache: LayerZipCache,
                  state: _Download) -> tuple[Path, bool]:
    """(the verified zip of ``arn``, whether it came from the cache)."""
    label = version_label(arn)
    content = metadata.get("Content") or {}
    size, sha256 = content.get("CodeSize"), content.get("CodeSha256")
    if not isinstance(size, int) or not isinstance(sha256, str):
        raise PullFailed(f"{label}: AWS gave no CodeSize or CodeSha256, so the download could "
                         "not be verified; nothing was written to the folder")
    cached = cache.get(sha256, size)
    if cached is not None:
        state.progress(PullProgress(arn, label, "cached", size, size))
        return cached, True
    partial = cache.staging_file()
    try:
        for attempt in (0, 1):
            url = content.get("Location")
            if not url:
                raise PullFailed(f"{label}: AWS gave no download URL (the layer is kept in its "
                                 "owner's own bucket); nothing was written to the folder")
            state.progress(PullProgress(arn, label, "downloading", 0, size))
            status = _download(url, partial, size, label, arn, state)
            if status is None:
                break
            if status in (403, 404) and attempt == 0:
                # A presigned URL lives 10 minutes; a version deleted since answers 404. Ask
                # AWS again: a fresh URL, or word that the version is gone.
                region = arn.split(":")[3]
                content = _read_version(session.client("lambda", region), arn).get(
                    "Content") or {}
                continue
            raise PullFailed(f"{label}: the download answered HTTP {status}; nothing was "
                             "written to the folder")
        got_size, got_sha = partial.stat().st_size, _sha256_of(partial)
        if got_size != size or got_sha != sha256:
            raise PullFailed(
                f"{label}: the download does not match AWS's checksum (got {got_size:,} bytes, "
                f"sha256 {got_sha}; CodeSize {size:,}, CodeSha256 {sha256}); nothing was "
                "written to the folder"
            )
        final = cache.path_for(sha256)
        os.replace(partial, final)
    except (urllib3.exceptions.HTTPError, ContentsError) as exc:
        raise PullFailed(f"{label}: downloading failed ({exc}); nothing was written to the "
                         "folder") from exc
    finally:
        partial.unlink(missing_ok=True)
    state.progress(PullProgress(arn, label, "downloaded", size, size))
    return final, False


# -- the pull -------------------------------------------------------------------------------


def pull(
    session: Any, target: PullTarget, folder: Path, *, progress: Progress | None = None,
    cache: LayerZipCache | None = None, cancel: threading.Event | None = None,
) -> PullResult:
    """Download, verify and merge ``target``'s layers into ``folder`` (new or empty)."""
    destination, staging = prepare_destination(folder)
    state = _Download(progress or (lambda _: None), cancel or threading.Event())
    cache = cache or LayerZipCache()
    unique = list(dict.fromkeys(target.layers))
    try:
        # Every version is read before any download starts, so a version deleted after this
        # point is one that disappeared mid-pull (its content URL then answers 404).
        with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
            metadata = dict(zip(unique, state.each(
                pool, lambda arn: _read_version(session.client("lambda", arn.split(":")[3]), arn),
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
            merge = merge_layers(archives, staging)
        except UnsafeArchive as exc:
            raise PullFailed(str(exc)) from exc
        if state.cancel.is_set():
            raise PullCancelled("pull stopped; nothing was written to the folder")
        try:
            # rename(2) replaces an empty folder in one step, and fails if it filled meanwhile.
            os.replace(staging, destination)
        except OSError as exc:
            raise PullRefused(f"{destination} could not be replaced ({exc.strerror}); it must "
                              "be new or empty (nothing was written)") from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    state.progress(PullProgress(target.arn, target.label, "done"))
    run = run_command(destination, target.runtime, target.architecture, target.handler,
                      assumed_runtime=not target.is_function and target.runtime is not None)
    return PullResult(target, destination, state.bytes,
                      tuple(arn for arn in unique if fetched[arn][1]), merge, run)
