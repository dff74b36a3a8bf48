"""The runtime lifecycle table and the findings it gives, on a frozen clock.

AWS publishes three dates per runtime (deprecation, block function create, block function
update) on its "Lambda runtimes" page; after the last, UpdateFunctionConfiguration on that
runtime fails, so a repin of its functions fails. The table ships with the page and the day it
was taken; these tests hold it to the facts the team checked and the levels to their edges.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from layer_tui import clock
from layer_tui.aws.checks import check_runtimes, deprecated_runtimes
from layer_tui.aws.lifecycle import (
    NOTICE_DAYS,
    RuntimeLifecycle,
    lifecycle,
    lifecycle_findings,
    lifecycles,
    runtime_table,
)
from layer_tui.ui.runtimes import deprecated_among, is_deprecated

PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html"
DEPRECATED, CREATE, UPDATE = date(2027, 1, 10), date(2027, 2, 1), date(2027, 3, 3)
ROW = RuntimeLifecycle("python3.10", "Python 3.10", DEPRECATED, CREATE, UPDATE, PAGE)


@pytest.fixture
def frozen() -> Iterator[None]:
    clock.freeze(datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    try:
        yield
    finally:
        clock.freeze(None)


def levels(row: RuntimeLifecycle, day: date) -> list[str]:
    return [f.level for f in lifecycle_findings([row.runtime], day, {row.runtime: row})]


def test_the_table_names_its_page_and_day_and_every_runtime_lambda_has_had() -> None:
    """Attack: a stale or thin table (python3.10 and provided.al2 missing, no block dates)
    tells a user nothing about the runtime their repin is about to fail on. Promise: every
    runtime Lambda has had is in the table, each row with a source on AWS's page and the
    three dates (a date or null, never anything else); the table names the page and the day."""
    table = runtime_table()
    assert table["source"] == PAGE and table["as_of"] == "2026-12-01"
    assert table["notes"], "the table says where its dates come from and which are missing"
    rows = table["runtimes"]
    expected = {
        "python2.7", "python3.6", "python3.7", "python3.8", "python3.9", "python3.10",
        "python3.11", "python3.12", "python3.13", "python3.14",
        "nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10", "nodejs10.x",
        "nodejs12.x", "nodejs14.x", "nodejs16.x", "nodejs18.x", "nodejs20.x", "nodejs22.x",
        "nodejs24.x",
        "java8", "java8.al2", "java11", "java17", "java21", "java25",
        "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet5.0",
        "dotnet6", "dotnet7", "dotnet8", "dotnet10",
        "ruby2.5", "ruby2.7", "ruby3.2", "ruby3.3", "ruby3.4", "ruby4.0",
        "go1.x", "provided", "provided.al2", "provided.al2023",
    }
    assert expected <= set(rows)
    for runtime, row in rows.items():
        assert row["source"].startswith(PAGE), runtime
        for key in ("deprecated", "block_create", "block_update"):
            assert row[key] is None or date.fromisoformat(row[key]), (runtime, key)
        known = [date.fromisoformat(row[k]) for k in ("deprecated", "block_create",
                                                      "block_update") if row[k]]
        block_create, block_update = row["block_create"], row["block_update"]
        if block_create and block_update:
            assert block_create <= block_update, runtime
        assert known == sorted(known), runtime
    # The old callers read the same table through checks.
    assert deprecated_runtimes() is table


def test_the_2026_facts_hold(frozen: None) -> None:
    """Attack: a table that lags the page calls deprecated runtimes current. Promise: as of
    2026-12-01 python ≤ 3.10, nodejs ≤ 20.x, provided.al2, ruby3.2, dotnet8, java8 (AL1),
    go1.x, provided and dotnet6 are deprecated, on the dates AWS gives; the current runtimes
    are not."""
    rows = lifecycles()
    assert rows["python3.10"].deprecated == date(2026, 10, 31)
    assert rows["nodejs20.x"].deprecated == date(2026, 4, 30)
    assert rows["provided.al2"].deprecated == date(2026, 7, 31)
    assert rows["ruby3.2"].deprecated == date(2026, 3, 31)
    assert rows["dotnet8"].deprecated == date(2026, 11, 10)
    gone = ["python2.7", "python3.6", "python3.7", "python3.8", "python3.9", "python3.10",
            "nodejs", "nodejs10.x", "nodejs12.x", "nodejs14.x", "nodejs16.x", "nodejs18.x",
            "nodejs20.x", "provided.al2", "ruby3.2", "ruby2.7", "dotnet8", "dotnet6",
            "dotnetcore3.1", "java8", "go1.x", "provided"]
    current = ["python3.11", "python3.12", "python3.13", "python3.14", "nodejs22.x",
               "nodejs24.x", "java8.al2", "java11", "java17", "java21", "java25", "dotnet10",
               "ruby3.3", "ruby3.4", "ruby4.0", "provided.al2023"]
    assert [r for r in gone if not is_deprecated(r)] == []
    assert deprecated_among(current) == ()
    for runtime in gone:
        [finding] = check_runtimes([runtime])
        assert finding.level in ("warning", "error"), runtime
    assert [f for r in current for f in check_runtimes([r]) if f.level != "info"] == []


def test_past_block_update_is_an_error_that_says_a_repin_will_fail() -> None:
    """Attack: after AWS blocks function updates on a runtime, a repin of its functions fails
    at UpdateFunctionConfiguration; a mere "deprecated" warning hides that. Promise: from the
    block-update day on, the finding is an error saying so (the day before, it is not)."""
    assert levels(ROW, UPDATE - timedelta(days=1)) == ["warning"]
    [on_the_day] = lifecycle_findings(["python3.10"], UPDATE, {"python3.10": ROW})
    assert on_the_day.level == "error" and on_the_day.code == "runtime"
    assert "functions on it can no longer be updated: a repin will fail" in on_the_day.message
    assert "2027-03-03" in on_the_day.message and PAGE in on_the_day.message
    assert levels(ROW, UPDATE + timedelta(days=400)) == ["error"]


def test_past_block_create_is_a_warning_that_says_so() -> None:
    """Promise: from the block-create day, the warning says no new functions can be created
    and until when updates (repins) still work."""
    [before] = lifecycle_findings(["python3.10"], CREATE - timedelta(days=1), {"python3.10": ROW})
    assert "no new functions can be created" not in before.message
    [after] = lifecycle_findings(["python3.10"], CREATE, {"python3.10": ROW})
    assert after.level == "warning"
    assert "no new functions can be created on it since 2027-02-01" in after.message
    assert "until 2027-03-03" in after.message


def test_deprecation_is_a_warning_and_its_approach_an_info_within_90_days() -> None:
    """Attack: an info for a deprecation years away is noise that buries the real ones; none
    for one next month is a surprise. Promise: deprecated from its day on → warning; within
    90 days before → info naming the date and the block dates ahead; earlier → nothing."""
    assert levels(ROW, DEPRECATED) == ["warning"]
    assert levels(ROW, DEPRECATED - timedelta(days=1)) == ["info"]
    [notice] = lifecycle_findings(
        ["python3.10"], DEPRECATED - timedelta(days=NOTICE_DAYS), {"python3.10": ROW})
    assert notice.level == "info" and "2027-01-10" in notice.message
    assert "2027-02-01" in notice.message and "2027-03-03" in notice.message
    assert levels(ROW, DEPRECATED - timedelta(days=NOTICE_DAYS + 1)) == []


def test_a_date_the_page_does_not_give_produces_no_claim() -> None:
    """Attack: a table that fills in a missing block date invents when repins start failing.
    Promise: a null date gives no finding of its kind: deprecated with unknown block dates is
    a warning (never an error), however long ago."""
    unknown = RuntimeLifecycle("go1.x", "Go 1.x", date(2024, 1, 8), None, None, PAGE)
    assert levels(unknown, date(2040, 1, 1)) == ["warning"]
    nothing = RuntimeLifecycle("java21", "Java 21", None, None, None, PAGE)
    assert levels(nothing, date(2040, 1, 1)) == []


def test_the_shipped_table_on_the_frozen_clock(frozen: None) -> None:
    """Promise: the checks read "today" from the app's clock: on 2026-12-01 python2.7 (updates
    blocked since 2022) is an error, python3.10 (deprecated 2026-10-31) a warning, python3.13
    nothing, an unknown runtime nothing; each runtime is said once."""
    findings = check_runtimes(["python2.7", "python3.10", "python3.13", "cobol85",
                               "python3.10"])
    assert [(f.level, f.message.split(" ", 1)[0]) for f in findings] == [
        ("error", "python2.7:"), ("warning", "python3.10")]
    assert "2022-05-30" in findings[0].message
    assert lifecycle("cobol85") is None and lifecycle(None) is None
