"""The Range-backed file ``zipfile`` lists through: bounded, and one request per missing span.

Every promise here is about what a read costs: ``zipfile`` seeks and reads as a local file
would, and each read that misses the buffer is an HTTP request over a content URL.
"""

from __future__ import annotations

import io

import pytest

from layer_tui.aws.range_file import READ_BEHIND, RangeFile

OBJECT = bytes(range(256)) * 400  # 102,400 bytes


class Ranges:
    """``read_range`` over OBJECT that records each (offset, length) asked for."""

    def __init__(self, data: bytes = OBJECT) -> None:
        self.data = data
        self.asked: list[tuple[int, int]] = []

    def __call__(self, offset: int, length: int) -> bytes:
        self.asked.append((offset, length))
        return self.data[offset : offset + length]


def seeded(ranges: Ranges, size: int, tail: int) -> RangeFile:
    return RangeFile(ranges, size, seed=OBJECT[size - tail : size], seed_start=size - tail)


def test_reads_inside_the_seed_cost_nothing() -> None:
    """Attack: zipfile's probes of the end record, all inside the tail already read. Promise:
    no request at all."""
    ranges = Ranges()
    view = seeded(ranges, len(OBJECT), 1000)
    view.seek(-22, io.SEEK_END)
    assert view.read() == OBJECT[-22:]
    view.seek(-42, io.SEEK_END)
    assert view.read(20) == OBJECT[-42:-22]
    assert ranges.asked == [] and view.requests == 0


def test_a_read_overlapping_the_buffer_fetches_only_what_it_lacks() -> None:
    """Attack: a central directory larger than the tail, read in one call from its start into
    the tail. Promise: one request, for exactly the bytes before the tail."""
    ranges = Ranges()
    view = seeded(ranges, len(OBJECT), 1000)
    start = len(OBJECT) - 30_000
    view.seek(start)
    assert view.read(29_500) == OBJECT[start : start + 29_500]
    assert ranges.asked == [(start, 29_000)]


def test_a_short_probe_before_the_buffer_takes_what_lies_behind_it_in_the_same_request() -> None:
    """Attack: the ZIP64 locator probe (20 bytes) just before the tail, then the ZIP64 record
    (56 bytes) before that. Promise: one request covers both."""
    ranges = Ranges()
    view = seeded(ranges, len(OBJECT), 1000)
    locator = len(OBJECT) - 1000 - 19
    view.seek(locator)
    assert view.read(20) == OBJECT[locator : locator + 20]
    view.seek(locator - READ_BEHIND)
    assert view.read(READ_BEHIND) == OBJECT[locator - READ_BEHIND : locator]
    assert ranges.asked == [(locator - READ_BEHIND, 19 + READ_BEHIND)]


def test_nothing_is_read_past_the_view_and_read_without_a_count_is_bounded() -> None:
    """Attack: a view shorter than the object (the archive ends at its end record), and
    ``read()`` with no count from its start. Promise: the read ends at the view's end and
    no byte past it is asked for."""
    ranges = Ranges()
    view = RangeFile(ranges, 5000)
    assert view.read() == OBJECT[:5000]
    view.seek(4990)
    assert view.read(1_000_000) == OBJECT[4990:5000]
    view.seek(9000)
    assert view.read(10) == b""
    assert max(offset + length for offset, length in ranges.asked) <= 5000


def test_a_far_read_replaces_the_buffer_instead_of_filling_the_gap() -> None:
    """Attack: a read far before the buffer. Promise: only that read's bytes are fetched (not
    the whole gap), so memory stays bounded by what was asked for."""
    ranges = Ranges()
    view = seeded(ranges, len(OBJECT), 1000)
    view.seek(100)
    assert view.read(200) == OBJECT[100:300]
    assert ranges.asked == [(100, 200)]


def test_a_short_answer_is_an_error_not_a_short_read() -> None:
    """Attack: the source answers fewer bytes than asked. Promise: OSError (which the listing
    turns into a truncated-archive line), never short data zipfile would misparse."""
    view = RangeFile(Ranges(OBJECT[:100]), 1000)
    with pytest.raises(OSError, match="got 100"):
        view.read(500)


def test_seek_before_the_start_fails_as_a_file_would() -> None:
    """Attack: zipfile's ``seek(-22, 2)`` on an object shorter than an end record. Promise:
    OSError, which zipfile takes for "not a zip"."""
    view = RangeFile(Ranges(), 10)
    with pytest.raises(OSError):
        view.seek(-22, io.SEEK_END)


def test_the_patch_overlays_every_read_of_its_bytes() -> None:
    """Attack: reads that cover the patched bytes wholly, partly, and not at all. Promise: the
    patched bytes are seen wherever a read overlaps them, the others are the object's."""
    view = RangeFile(Ranges(), 1000, patch=(998, b"\0\0"))
    view.seek(990)
    assert view.read() == OBJECT[990:998] + b"\0\0"
    view.seek(999)
    assert view.read(5) == b"\0"
    view.seek(0)
    assert view.read(10) == OBJECT[:10]
