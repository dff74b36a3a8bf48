"""A slice of the real-artifact corpus (tests/corpus/build.py), run on every test run.

Attack: layers built from real published wheels the way people break them (on a Mac, on
Windows, for musl, for another CPython, packages at the root, a wheel copied in unopened,
backslash names, a second runtime that reads nothing). Promise: each gets the finding an
expert would give, the correct ones get no warning or error, and every listing equals
zipfile's. The wheels are downloaded once per session into a cache folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus.build import SLICE_WHEELS, cases, fetch_wheel, run


@pytest.fixture(scope="session")
def corpus_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = tmp_path_factory.getbasetemp().parent / "layer-tui-corpus"
    for name in SLICE_WHEELS:
        fetch_wheel(cache, name)
    return cache


def test_corpus_slice_is_judged_as_an_expert_would(corpus_cache: Path) -> None:
    results = run(list(cases(corpus_cache, only_slice=True)))
    assert len(results) == 10
    for result in results:
        assert result.listing_exact, result.case.name
        assert result.missing == [], (result.case.name, result.findings)
        assert result.unexpected == [], (result.case.name, result.findings)
