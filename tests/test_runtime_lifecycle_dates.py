"""The shipped runtime table gives the dates issue 13 asks for, for every runtime it names.

A table with nulls makes no false claim, but it also says nothing where an operator most needs
it: a repin of a function on python3.9 fails once AWS blocks updates, and a null block-update
date hides the day that starts.
"""

from __future__ import annotations

from datetime import date

from layer_tui.aws.lifecycle import lifecycle, lifecycle_findings, runtime_table

#: The runtimes issue 13 names: each must carry its deprecation and block-update dates.
NAMED = [
    "python3.10", "python3.11", "python3.12", "python3.13", "python3.14",
    "nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x",
    "java8.al2", "java11", "java17", "java21", "java25",
    "java8.al2023", "java11.al2023", "java17.al2023",
    "dotnet8", "dotnet10", "ruby3.2", "ruby3.3", "ruby3.4", "ruby4.0",
    "provided.al2", "provided.al2023",
]  # fmt: skip

TODAY = date(2026, 12, 1)


def test_every_named_runtime_has_deprecation_and_block_update_dates() -> None:
    """Attack: a runtime missing from the table, or with null dates, gets no lifecycle finding
    at all. Promise: each runtime the issue names has both dates, in order."""
    missing = []
    for runtime in NAMED:
        row = lifecycle(runtime)
        if row is None or row.deprecated is None or row.block_update is None:
            missing.append(runtime)
            continue
        assert row.deprecated <= row.block_update, runtime
    assert missing == []


def test_a_deprecated_runtime_names_the_day_its_repins_start_to_fail() -> None:
    """Attack: python3.9 and python3.10 are past deprecation; a warning that only says
    "deprecated" leaves the operator guessing how long repins still work. Promise: the warning
    names the block-update day (2027-03-03, as AWS's page gives it)."""
    for runtime in ("python3.9", "python3.10", "nodejs20.x", "provided.al2"):
        [finding] = lifecycle_findings([runtime], TODAY)
        assert finding.level == "warning", runtime
        assert "no function updates (repins fail) from 2027-03-03" in finding.message, runtime


def test_the_java_builds_on_amazon_linux_2023_are_known() -> None:
    """Promise: the AL2023 Java builds are in the table, supported today, with no finding."""
    for runtime in ("java8.al2023", "java11.al2023", "java17.al2023"):
        assert lifecycle(runtime) is not None, runtime
        assert lifecycle_findings([runtime], TODAY) == []


def test_the_table_says_where_its_dates_come_from_and_when() -> None:
    """Promise: the table names AWS's runtimes page and the day it was taken."""
    table = runtime_table()
    assert table["source"].startswith("https://docs.aws.amazon.com/lambda/")
    assert table["as_of"] == TODAY.isoformat()
