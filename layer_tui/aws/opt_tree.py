"""Layer zips extracted into one folder the way Lambda merges them into /opt, refusing escapes.

Lambda extracts a function's layers into ``/opt`` in list order and a later layer's entry
wins at its path. We apply that rule at every path, whatever sits there already: a later
file or symlink replaces an earlier file, symlink or whole directory (with everything under
it); a later directory, or a file under one, replaces an earlier file or symlink at that
place. Directories merge: two layers' ``python/`` become one. Info-ZIP's unzip would stop
with "exists but is not directory" where this replaces; one rule ("the later layer wins the
path") is what the merged /opt view attributes, so the tree here is the tree it describes.

Everything a zip can do to a folder is written by someone else, so the whole pull is
refused (and the caller removes the staging folder) for:
- a name that is absolute, starts with a drive letter, holds a backslash (Windows zips: it
  would become one odd file name here and a folder elsewhere), a NUL or a ``..`` component;
- a symlink whose target is absolute or leads outside the tree (checked on its words when it
  is made, and again at the end on the real file system, which also catches a chain of links
  that leaves); a link inside the tree is kept as a link;
- an entry written *through* a symlink: every folder on its way must be a real folder, not a
  link planted by this layer or an earlier one (a file is never opened through a link either:
  what is there is removed and the file created anew, O_EXCL|O_NOFOLLOW);
- an entry that is neither file, folder nor symlink (a device, a FIFO);
- more than 262,144,000 bytes unzipped in all (Lambda's limit for a function and its layers).

Modes: a Unix mode in ``external_attr`` is kept (permission bits only: setuid, setgid and
sticky never are); an entry without one gets 0644 (0755 for folders). Folders keep u+rwx so
the user can delete the tree again; the top folder is 0755, as /opt is.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

#: Lambda's limit for a function's code and all its layers, unzipped.
UNZIPPED_LIMIT = 262_144_000
#: Longer than any path a link could sensibly name (PATH_MAX): a bigger "target" is data.
_LINK_TARGET_LIMIT = 4096
_DRIVE = re.compile(r"^[A-Za-z]:")
_CHUNK = 256 * 1024
_UNIX = 3  # ZipInfo.create_system for Unix: only then do the high 16 bits hold a st_mode


class UnsafeArchive(Exception):
    """A layer's zip would write outside the folder, through a link, or past the limit."""


@dataclass(frozen=True)
class LayerArchive:
    """One verified layer zip and the name the user knows it by (``geo:3``)."""

    arn: str
    label: str
    path: Path


@dataclass
class MergeReport:
    """What the merge wrote: counts, and which layer won each path."""

    files: int = 0
    links: int = 0
    bytes_written: int = 0
    #: Paths an earlier layer wrote that a later one replaced.
    overwritten: int = 0
    winners: dict[str, str] = field(default_factory=dict)


def entry_parts(name: str) -> tuple[str, ...]:
    """The path components of a zip entry's name; raises ``ValueError`` (the reason) if unsafe."""
    if "\x00" in name:
        raise ValueError("holds a NUL character")
    if "\\" in name:
        raise ValueError("holds a backslash (a Windows path)")
    if name.startswith("/") or _DRIVE.match(name):
        raise ValueError("is an absolute path")
    parts = tuple(part for part in name.split("/") if part not in ("", "."))
    if ".." in parts:
        raise ValueError("climbs out with '..'")
    return parts


def _unix_mode(info: zipfile.ZipInfo) -> int:
    return (info.external_attr >> 16) if info.create_system == _UNIX else 0


def entry_kind(info: zipfile.ZipInfo) -> str:
    """``"dir"``, ``"file"``, ``"link"`` or ``"other"`` (a device, a FIFO, a socket)."""
    mode = _unix_mode(info)
    if info.filename.endswith("/") or stat.S_ISDIR(mode):
        return "dir"
    kind = stat.S_IFMT(mode)
    if kind == stat.S_IFLNK:
        return "link"
    return "file" if kind in (0, stat.S_IFREG) else "other"


def entry_mode(info: zipfile.ZipInfo, kind: str) -> int:
    """The permission bits the entry gets (see the module's docstring)."""
    bits = stat.S_IMODE(_unix_mode(info)) & 0o777
    if not bits:
        return 0o755 if kind == "dir" else 0o644
    return bits | 0o700 if kind == "dir" else bits


class _Tree:
    def __init__(self, root: Path, limit: int) -> None:
        self.root = root
        self.limit = limit
        self.report = MergeReport()
        self.dir_modes: dict[str, int] = {}
        self.link_owner: dict[str, str] = {}
        self.layer = ""

    def refuse(self, name: str, why: str) -> UnsafeArchive:
        return UnsafeArchive(f"{self.layer}: the entry {name!r} {why}; refused, nothing was "
                             "written to the folder")

    def _clear(self, relative: str) -> None:
        """Remove whatever is at ``relative`` (a later layer wins the path)."""
        path = self.root / relative
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            return
        if stat.S_ISDIR(info.st_mode):
            shutil.rmtree(path)
            prefix = relative + "/"
            for table in (self.report.winners, self.dir_modes, self.link_owner):
                for key in [k for k in table if k.startswith(prefix)]:
                    del table[key]
        else:
            path.unlink()
        self.link_owner.pop(relative, None)

    def _folders(self, parts: Sequence[str], name: str) -> None:
        """Make every folder on the way as a real folder; never pass through a symlink."""
        for depth in range(1, len(parts) + 1):
            relative = "/".join(parts[:depth])
            path = self.root / relative
            try:
                info = os.lstat(path)
            except FileNotFoundError:
                info = None
            if info is not None and stat.S_ISLNK(info.st_mode):
                owner = self.link_owner.get(relative, "an earlier entry")
                raise self.refuse(name, f"would be written through the symlink {relative!r} "
                                        f"(made by {owner})")
            if info is not None and stat.S_ISDIR(info.st_mode):
                continue
            if info is not None:  # a file where a folder must go: the later layer wins
                self._clear(relative)
                self.report.overwritten += 1
            os.mkdir(path, 0o700)
            self.report.winners.setdefault(relative, self.layer)

    def _claim(self, relative: str) -> None:
        earlier = self.report.winners.get(relative)
        if earlier is not None and earlier != self.layer:
            self.report.overwritten += 1
        self.report.winners[relative] = self.layer

    def place(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        name = info.filename
        try:
            parts = entry_parts(name)
        except ValueError as exc:
            raise self.refuse(name, str(exc)) from None
        if not parts:
            return  # "./" or "/"-only names: the top folder itself
        kind = entry_kind(info)
        if kind == "other":
            raise self.refuse(name, "is neither a file, a folder nor a symlink")
        relative = "/".join(parts)
        self._folders(parts[:-1], name)
        if kind == "dir":
            self._folders(parts, name)
            self.dir_modes[relative] = entry_mode(info, kind)
            self.report.winners.setdefault(relative, self.layer)  # folders merge
            return
        target = self._link_target(archive, info, parts) if kind == "link" else None
        self._clear(relative)
        self._claim(relative)
        path = self.root / relative
        if target is not None:
            os.symlink(target, path)
            self.link_owner[relative] = self.layer
            self.report.links += 1
            return
        self._write(archive, info, path, name)
        self.report.files += 1

    def _link_target(
        self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, parts: Sequence[str]
    ) -> str:
        name = info.filename
        if info.file_size > _LINK_TARGET_LIMIT:
            raise self.refuse(name, "is a symlink with a target too long to be a path")
        try:
            target = archive.read(info).decode("utf-8")
        except UnicodeDecodeError:
            raise self.refuse(name, "is a symlink whose target is not UTF-8 text") from None
        if not target or "\x00" in target or "\\" in target:
            raise self.refuse(name, "is a symlink with an empty or malformed target")
        if target.startswith("/"):
            raise self.refuse(name, f"is a symlink to {target!r}, an absolute path outside "
                                    "the folder")
        resolved = os.path.normpath(PurePosixPath(*parts[:-1], target).as_posix())
        if resolved == ".." or resolved.startswith("../"):
            raise self.refuse(name, f"is a symlink to {target!r}, which leads out of the folder")
        return target

    def _write(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path,
               name: str) -> None:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
        descriptor = os.open(path, flags, 0o600)
        with os.fdopen(descriptor, "wb") as out, archive.open(info) as source:
            while chunk := source.read(_CHUNK):
                self.report.bytes_written += len(chunk)
                if self.report.bytes_written > self.limit:
                    raise self.refuse(name, f"takes the layers past {self.limit:,} bytes "
                                            "unzipped, Lambda's limit for a function")
                out.write(chunk)
            os.fchmod(out.fileno(), entry_mode(info, "file"))

    def check_links(self) -> None:
        """Every link left must resolve inside the tree on the real file system."""
        root = os.path.realpath(self.root)
        for relative, owner in sorted(self.link_owner.items()):
            real = os.path.realpath(self.root / relative)
            if real != root and not real.startswith(root + os.sep):
                raise UnsafeArchive(
                    f"{owner}: the symlink {relative!r} leads out of the folder (through other "
                    "links); refused, nothing was written to the folder"
                )

    def apply_folder_modes(self) -> None:
        # Last, deepest first: a folder made read-only earlier would refuse its own files.
        for dirpath, dirnames, _ in sorted(os.walk(self.root), key=lambda w: -len(w[0])):
            for dirname in dirnames:
                path = os.path.join(dirpath, dirname)
                if os.path.islink(path):
                    continue
                relative = os.path.relpath(path, self.root).replace(os.sep, "/")
                os.chmod(path, self.dir_modes.get(relative, 0o755))
        os.chmod(self.root, 0o755)


def merge_layers(
    archives: Sequence[LayerArchive], root: Path, *, limit: int = UNZIPPED_LIMIT
) -> MergeReport:
    """Extract ``archives`` into the empty folder ``root`` in merge order (later wins).

    Raises ``UnsafeArchive`` (one line) for anything the module's docstring refuses; the
    caller removes ``root`` then. A zip that is not one, or is damaged, raises it too.
    """
    tree = _Tree(root, limit)
    for archive in archives:
        tree.layer = archive.label
        try:
            with zipfile.ZipFile(archive.path) as source:
                for info in source.infolist():
                    tree.place(source, info)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, EOFError) as exc:
            # RuntimeError: an encrypted entry; Lambda cannot unpack it either.
            raise UnsafeArchive(f"{archive.label}: the zip cannot be unpacked ({exc}); "
                                "nothing was written to the folder") from exc
    tree.check_links()
    tree.apply_folder_modes()
    return tree.report
