"""One layer version's zip, verified against CodeSha256, from the local cache or downloaded.

GetLayerVersionByArn gives CodeSha256, CodeSize and a content URL. A zip cached under that
CodeSha256 is used while it still hashes to it (a second pull costs no download); otherwise
the URL is read whole, bounded by CodeSize (a body announced longer is refused unread, bytes
past it never read), with a fresh URL asked for once on 403 (expired) or 404 (deleted since:
AWS then says whether the version is gone), and the bytes are cached only once verified.
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import urllib3
from botocore.exceptions import BotoCoreError, ClientError

from layer_tui.aws.content_url import (
    ContentsError,
    announced_length,
    discard_body,
    finish,
    open_content,
    read_at_most,
)
from layer_tui.aws.errors import describe, error_code
from layer_tui.aws.paths import cache_root, private_folder

WORKERS = 4
# Redirects are open_content's to judge (same host only), never urllib3's.
_http = urllib3.PoolManager(
    maxsize=WORKERS, timeout=urllib3.Timeout(connect=5, read=60),
    retries=urllib3.Retry(total=2, redirect=False),
)


class PullFailed(Exception):
    """AWS or the network failed the pull (exit 1); the message is one line."""


class PullCancelled(PullFailed):
    """The user stopped the pull; nothing was left in the destination."""


@dataclass(frozen=True)
class PullProgress:
    """One step of one version: ``resolved`` (its size known), ``cached``, ``downloading``
    (``received`` of ``total`` bytes), ``downloaded``, ``extracting``; ``done`` for the pull."""

    arn: str
    label: str
    stage: str
    received: int = 0
    total: int = 0


Progress = Callable[[PullProgress], None]


def version_label(arn: str) -> str:
    """``geo:3`` for a layer version ARN."""
    parts = arn.split(":")
    return f"{parts[6]}:{parts[7]}" if len(parts) == 8 else arn


class _Aborted(Exception):
    """Another version of this pull failed: the rest stop, and its error is the one said."""


class FetchState:
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


def read_version(client: Any, arn: str) -> dict[str, Any]:
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
              state: FetchState) -> int | None:
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
                  state: FetchState) -> tuple[Path, bool]:
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
                content = read_version(session.client("lambda", region), arn).get(
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
