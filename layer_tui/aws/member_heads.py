"""The first bytes of many zip members at once, in few Range reads, within a budget.

Checks that look at content (which machine a binary is for, where a symlink points, a wheel's
platform tag) need only a member's head, but each head sits behind its local header (30 bytes
+ name + extra) and must be inflated when deflated. Members are stored one after another in
central-directory order, so heads that lie close together are fetched in one read whose
wasted bytes (the parts of other members between the heads) are bounded; heads far apart get
a read of their own. The total is bounded too: at most ``max_members`` heads and
``max_bytes`` bytes per call, and what was not read is said (``MemberHeads.skipped``).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from layer_tui.aws import zipformat
from layer_tui.aws.findings import ReadHead
from layer_tui.aws.zipformat import ZipEntry

#: Heads read per inspection at most; beyond that the caller samples.
MAX_MEMBERS = 200
#: Bytes transferred for heads per inspection at most (heads plus what lies between them).
MAX_BYTES = 4 * 1024 * 1024
#: Bytes of other members one coalesced read may carry between the heads it wants.
MAX_WASTE = 256 * 1024
#: Local extra fields are usually < 40 bytes (zip64 sizes, timestamps).
_EXTRA_ALLOWANCE = 96

#: ``read_range(offset, length)``: raw bytes of the object (``RemoteZip.read_range``).
ReadRange = Callable[[int, int], bytes]


@dataclass
class MemberHeads:
    """Heads by member path, and what could not be read."""

    heads: dict[str, bytes] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)
    #: Members asked for but left unread because the byte budget ran out.
    skipped: list[str] = field(default_factory=list)
    requests: int = 0


#: Reads the heads of the given members, each at most ``length`` bytes.
HeadSource = Callable[[Sequence[ZipEntry], int], MemberHeads]


def _compressed_need(entry: ZipEntry, length: int) -> int:
    """Compressed bytes that decode to ``length`` bytes (deflate adds a little per block)."""
    want = min(length, entry.size)
    if entry.method == zipformat.METHOD_STORED:
        return min(entry.compressed_size, want)
    return min(entry.compressed_size, want + want // 8 + 128)


def _span(entry: ZipEntry, length: int) -> tuple[int, int]:
    local = zipformat.LOCAL.size + len(entry.path.encode()) + _EXTRA_ALLOWANCE
    return entry.header_offset, entry.header_offset + local + _compressed_need(entry, length)


def _decode(entry: ZipEntry, compressed: bytes, length: int) -> bytes:
    want = min(length, entry.size)
    if entry.method == zipformat.METHOD_STORED:
        return compressed[:want]
    try:
        return zlib.decompressobj(-zlib.MAX_WBITS).decompress(compressed, want)
    except zlib.error as exc:
        raise zipformat.ZipFormatError(f"deflate stream is corrupt: {exc}") from exc


def _readable(entry: ZipEntry) -> bool:
    return not entry.encrypted and entry.method in (
        zipformat.METHOD_STORED, zipformat.METHOD_DEFLATED
    )


class RangeHeads:
    """A ``HeadSource`` over Range reads of the archive, coalescing neighbouring heads."""

    def __init__(
        self,
        read_range: ReadRange,
        size: int | None,
        *,
        max_bytes: int = MAX_BYTES,
        max_waste: int = MAX_WASTE,
    ) -> None:
        self._read = read_range
        self._size = size
        self._max_bytes = max_bytes
        self._max_waste = max_waste

    def __call__(self, entries: Sequence[ZipEntry], length: int) -> MemberHeads:
        result = MemberHeads()
        wanted = [e for e in entries if not e.is_dir]
        result.unreadable.extend(e.path for e in wanted if not _readable(e))
        members = sorted((e for e in wanted if _readable(e)), key=lambda e: e.header_offset)
        spent = 0
        for start, end, group in self._groups(members, length):
            if spent + (end - start) > self._max_bytes:
                result.skipped.extend(e.path for e in group)
                continue
            spent += end - start
            try:
                block = self._read(start, end - start)
                result.requests += 1
            except Exception:  # one bad range must not hide what the other heads say
                result.unreadable.extend(e.path for e in group)
                continue
            for entry in group:
                try:
                    result.heads[entry.path] = self._head(entry, block, start, length, result)
                except Exception:
                    result.unreadable.append(entry.path)
        return result

    def _groups(
        self, members: Sequence[ZipEntry], length: int
    ) -> list[tuple[int, int, list[ZipEntry]]]:
        groups: list[tuple[int, int, list[ZipEntry]]] = []
        waste = 0
        for entry in members:
            start, end = _span(entry, length)
            if self._size is not None:
                end = min(end, self._size)
            if groups:
                g_start, g_end, group = groups[-1]
                gap = max(0, start - g_end)
                if waste + gap <= self._max_waste:
                    groups[-1] = (g_start, max(g_end, end), [*group, entry])
                    waste += gap
                    continue
            groups.append((start, end, [entry]))
            waste = 0
        return groups

    def _head(
        self, entry: ZipEntry, block: bytes, block_start: int, length: int, result: MemberHeads
    ) -> bytes:
        local = block[entry.header_offset - block_start :]
        data_at = zipformat.local_data_offset(local)
        need = _compressed_need(entry, length)
        compressed = local[data_at : data_at + need]
        if len(compressed) < need:
            # A long local extra field pushed the data past the planned read: read on.
            rest_at = entry.header_offset + data_at + len(compressed)
            compressed += self._read(rest_at, need - len(compressed))
            result.requests += 1
        head = _decode(entry, compressed, length)
        if len(head) < min(length, entry.size) and need < entry.compressed_size:
            # A deflate stream that needed more input than planned (rare): one more try.
            more = min(entry.compressed_size, 64 * 1024)
            at = entry.header_offset + data_at
            head = _decode(entry, self._read(at, more), length)
            result.requests += 1
        return head


def per_member(read_head: ReadHead) -> HeadSource:
    """A ``HeadSource`` from a one-member reader (a local zip, a test's fake)."""

    def read(entries: Sequence[ZipEntry], length: int) -> MemberHeads:
        result = MemberHeads()
        for entry in entries:
            if entry.is_dir:
                continue
            try:
                result.heads[entry.path] = read_head(entry, length)
                result.requests += 1
            except Exception:  # a damaged member must not hide the other findings
                result.unreadable.append(entry.path)
        return result

    return read


def sample_evenly(items: Sequence[ZipEntry], count: int) -> list[ZipEntry]:
    """``count`` items spread evenly over ``items`` (all of them when there are fewer)."""
    if count <= 0:
        return []
    if len(items) <= count:
        return list(items)
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


__all__ = [
    "MAX_BYTES",
    "MAX_MEMBERS",
    "MAX_WASTE",
    "HeadSource",
    "MemberHeads",
    "RangeHeads",
    "ReadRange",
    "per_member",
    "sample_evenly",
]
