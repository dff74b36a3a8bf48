"""The Contents screen (``i`` on a version) against the demo sandbox over real HTTP Range.

Every number the screen shows is checked against what ``zipfile`` says about the very bytes the
sandbox serves; the tree, the text viewer and the diff are driven with the real keys.
"""

from __future__ import annotations

import contextlib
import io
import urllib.request
import zipfile
from typing import Any

import pytest
from on_screen import highlighted_command, said
from textual.worker import WorkerFailed
from ui_fixtures import pilot_test
from waiting import settle as settle_scan
from waiting import wait_until

from layer_tui import clock
from layer_tui.aws.models import Inventory
from layer_tui.aws.session import AwsSession, SessionConfig
from layer_tui.sandbox import Sandbox
from layer_tui.sandbox.seed import DEMO_NOW
from layer_tui.ui.app import LayerTuiApp
from layer_tui.ui.screens.contents import ContentsScreen
from layer_tui.ui.screens.help import screen_bindings
from layer_tui.ui.widgets.findings_list import FindingsList
from layer_tui.ui.widgets.member_text import MemberTextScreen
from layer_tui.ui.widgets.size_bar import ContentsSummary
from layer_tui.ui.widgets.zip_tree import BATCH, MoreChildren, ZipDirectory

SIZE = (120, 40)
WEST = "eu-west-1"
SITE = "python/lib/python3.12/site-packages"
pytestmark = pytest.mark.frozen_clock(DEMO_NOW)


def session_for(sandbox: Sandbox) -> AwsSession:
    config = SessionConfig(endpoint_url=sandbox.endpoint_url, rate_per_second=500.0, demo=True)
    return AwsSession(config)


def make_app(session: AwsSession) -> LayerTuiApp:
    """The real app on a real session; its own scan is skipped (this screen needs none)."""

    def no_scan(_session: Any, _regions: Any = None, **_: Any) -> Inventory:
        return Inventory(session.account_id(), clock.now(), ())

    return LayerTuiApp(session.config, session=session, scan=no_scan, endpoint_label=None)


def version_arn(sandbox: Sandbox, layer: str, version: int, region: str = WEST) -> str:
    return f"arn:aws:lambda:{region}:{sandbox.account_id}:layer:{layer}:{version}"


def zip_of(session: AwsSession, arn: str) -> tuple[bytes, zipfile.ZipFile]:
    region = arn.split(":")[3]
    location = session.client("lambda", region).get_layer_version_by_arn(Arn=arn)["Content"][
        "Location"
    ]
    with urllib.request.urlopen(location) as response:
        data = response.read()
    return data, zipfile.ZipFile(io.BytesIO(data))


async def open_contents(app: LayerTuiApp, pilot: Any, arn: str, **kwargs: Any) -> ContentsScreen:
    # The app's scan starts after its first paint and names the account in the header: let it
    # finish first, so no answer of it lands while (or after) the screen is looked at.
    await settle_scan(pilot)
    screen = ContentsScreen(app.aws_session(), arn, **kwargs)
    await app.push_screen(screen)
    await settle(app, pilot)
    return screen


async def settle(app: LayerTuiApp, pilot: Any) -> None:
    for _ in range(2):
        # A worker that failed raises here; the screen has already shown why.
        with contextlib.suppress(WorkerFailed):
            await app.workers.wait_for_complete()
        await pilot.pause()


def shown(widget: Any) -> str:
    return str(widget.render())


def nodes_under(node: Any) -> int:
    """How many tree nodes exist below ``node`` (made, whether shown or not)."""
    return sum(1 + nodes_under(child) for child in node.children)


# -- summary, tree, largest files ------------------------------------------------------------


@pilot_test
async def test_summary_tree_and_largest_match_zipfile(demo_sandbox: Sandbox) -> None:
    session = session_for(demo_sandbox)
    arn = version_arn(demo_sandbox, "py-common", 7)
    data, archive = zip_of(session, arn)
    files = [info for info in archive.infolist() if not info.is_dir()]
    unzipped = sum(info.file_size for info in files)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_contents(app, pilot, arn)
        assert screen.report is not None
        assert (screen.report.files, screen.report.uncompressed_size) == (len(files), unzipped)
        assert screen.report.code_size == len(data)
        summary = shown(screen.query_one(ContentsSummary))
        assert f"{len(files):,} files" in summary
        assert f"({unzipped:,} B)" in summary
        assert "of 250 MiB" in summary and "fetched" in summary

        folder = screen.zip_tree.folder
        assert folder is not None
        assert (folder.file_count, folder.size) == (len(files), unzipped)
        assert folder.compressed_size == sum(info.compress_size for info in files)
        site = folder.find(SITE)
        assert site is not None
        assert site.size == sum(i.file_size for i in files if i.filename.startswith(f"{SITE}/"))
        # Only the top level has nodes until something is opened.
        top = [node.data for node in screen.zip_tree.root.children]
        assert top == [folder.directories["python"]]

        largest = screen.largest_table.shown_rows
        expected = sorted(files, key=lambda i: -i.file_size)[:20]  # ties: archive order
        assert [row.key for row in largest] == [info.filename for info in expected]


@pilot_test
async def test_tree_expands_lazily_and_sorts_by_name_or_size(demo_sandbox: Sandbox) -> None:
    session = session_for(demo_sandbox)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_contents(app, pilot, version_arn(demo_sandbox, "py-common", 7))
        tree = screen.zip_tree
        tree.focus()
        await pilot.press("space")  # python/
        await pilot.pause()
        python = tree.root.children[0]
        assert python.is_expanded and [c.data.name for c in python.children] == ["lib"]
        node = tree.reveal(f"{SITE}/certifi")
        assert node is not None
        await pilot.pause()
        site = tree.cursor_node.parent if tree.cursor_node else None
        assert site is not None and isinstance(site.data, ZipDirectory)
        by_size = [c.data.size for c in site.children]
        assert by_size == sorted(by_size, reverse=True)

        await pilot.press("s")
        await pilot.pause()
        assert tree.order == "name"
        # Open folders stay open and the cursor stays on the same folder after re-sorting.
        assert isinstance(tree.cursor_node.data, ZipDirectory)
        assert tree.cursor_node.data.path == f"{SITE}/certifi/"
        names = [c.data.name for c in tree.cursor_node.parent.children]
        assert names == sorted(names, key=str.lower)
        assert "by name" in shown(screen.query_one("ZipTreeHeader"))


# -- findings --------------------------------------------------------------------------------


@pilot_test
async def test_wrong_layout_and_wrong_architecture_are_findings(demo_sandbox: Sandbox) -> None:
    session = session_for(demo_sandbox)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_contents(app, pilot, version_arn(demo_sandbox, "legacy-utils", 3))
        findings = screen.query_one(FindingsList)
        lines = [shown(row) for row in findings.query(".finding-message")]
        labels = [shown(row) for row in findings.query(".finding-label")]
        assert any("site-packages/ is not on any runtime's path" in line for line in lines)
        assert any("vendor/bundle.zip is a zip inside the zip" in line for line in lines)
        assert all("warning" in label for label in labels)
        assert "warning" in str(findings.border_title)

        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ContentsScreen)

        screen = await open_contents(app, pilot, version_arn(demo_sandbox, "numpy-arm64", 4))
        reports = screen.report
        assert reports is not None
        architecture = [f for f in reports.findings if f.code == "architecture"]
        assert architecture, reports.findings
        lines = [shown(row) for row in screen.query_one(FindingsList).query(".finding-message")]
        assert any(architecture[0].message == line for line in lines)


# -- reading a file --------------------------------------------------------------------------


@pilot_test
async def test_enter_on_metadata_and_package_json_shows_their_text(demo_sandbox: Sandbox) -> None:
    session = session_for(demo_sandbox)
    py_arn = version_arn(demo_sandbox, "py-common", 7)
    node_arn = version_arn(demo_sandbox, "node-utils", 5)
    _, py_zip = zip_of(session, py_arn)
    _, node_zip = zip_of(session, node_arn)
    metadata = f"{SITE}/requests-2.37.0.dist-info/METADATA"
    package = next(n for n in node_zip.namelist() if n.endswith("lodash/package.json"))
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_contents(app, pilot, py_arn)
        screen.zip_tree.focus()
        assert screen.zip_tree.reveal(metadata) is not None
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, MemberTextScreen)
        viewer = app.screen.query_one("#member-text")
        assert viewer.text == py_zip.read(metadata).decode()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen

        await pilot.press("escape")
        screen = await open_contents(app, pilot, node_arn)
        screen.zip_tree.focus()
        screen.zip_tree.reveal(package)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, MemberTextScreen)
        assert app.screen.query_one("#member-text").text == node_zip.read(package).decode()


@pilot_test
async def test_a_binary_file_is_refused_with_a_reason(demo_sandbox: Sandbox) -> None:
    session = session_for(demo_sandbox)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_contents(app, pilot, version_arn(demo_sandbox, "cli-tools", 3))
        screen.zip_tree.focus()
        screen.zip_tree.reveal("bin/jq")
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is screen
        assert any("bin/jq" in message for message in said(app))


# -- diff ------------------------------------------------------------------------------------


def expected_diff(old: zipfile.ZipFile, new: zipfile.ZipFile) -> dict[str, set[str]]:
    before = {i.filename: (i.CRC, i.file_size) for i in old.infolist() if not i.is_dir()}
    after = {i.filename: (i.CRC, i.file_size) for i in new.infolist() if not i.is_dir()}
    return {
        "added": after.keys() - before.keys(),
        "removed": before.keys() - after.keys(),
        "changed": {p for p in before.keys() & after.keys() if before[p] != after[p]},
    }


def diff_shown(screen: ContentsScreen) -> dict[str, set[str]]:
    rows: dict[str, set[str]] = {"added": set(), "removed": set(), "changed": set()}
    for row in screen.diff_view.table.shown_rows:
        rows[row.cells[0].plain].add(row.key)
    return rows


@pilot_test
async def test_c_diffs_against_the_previous_version(demo_sandbox: Sandbox) -> None:
    session = session_for(demo_sandbox)
    v2, v3 = (version_arn(demo_sandbox, "legacy-utils", n) for n in (2, 3))
    _, old = zip_of(session, v2)
    _, new = zip_of(session, v3)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_contents(app, pilot, v3)
        assert screen.default_comparison() == v2
        await pilot.press("c")
        await settle(app, pilot)
        expected = expected_diff(old, new)
        assert expected["added"] and expected["removed"]
        assert diff_shown(screen) == expected
        assert "v2\N{RIGHTWARDS ARROW}v3 diff" in shown(screen.query_one("CrumbBar"))
        await pilot.press("escape")  # back to the contents, not off the screen
        await pilot.pause()
        assert app.screen is screen and screen.mode == "contents-body"


@pilot_test
async def test_compare_with_a_picked_version_and_from_the_palette(demo_sandbox: Sandbox) -> None:
    session = session_for(demo_sandbox)
    v1, v3, v5, v6, v7 = (version_arn(demo_sandbox, "py-common", n) for n in (1, 3, 5, 6, 7))
    _, zip1 = zip_of(session, v1)
    _, zip5 = zip_of(session, v5)
    _, zip7 = zip_of(session, v7)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_contents(app, pilot, v5)
        # Versions 2 and 4 were deleted: the previous version of 5 is 3.
        assert screen.default_comparison() == v3
        assert [arn for arn, _ in screen.comparison_choices()] == [v3, v7, v6, v1]

        await pilot.press("C")
        await pilot.pause()
        await pilot.press(*"v1", "enter")
        await settle(app, pilot)
        assert diff_shown(screen) == expected_diff(zip1, zip5)

        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"compare with v7")
        await wait_until(
            pilot, lambda: "v7" in highlighted_command(app), what="the palette's compare with v7"
        )
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is screen
        assert diff_shown(screen) == expected_diff(zip5, zip7)


# -- errors, help, markup, size --------------------------------------------------------------


@pilot_test
async def test_a_missing_version_is_an_error_on_the_screen(demo_sandbox: Sandbox) -> None:
    session = session_for(demo_sandbox)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_contents(app, pilot, version_arn(demo_sandbox, "py-common", 2))
        assert screen.mode == "contents-error"
        error = shown(screen.query_one("#contents-error"))
        assert "inspecting py-common:2" in error and "ResourceNotFound" in error
        assert not said(app)  # said once, on the screen, not again as a toast
        assert screen.check_action("compare", ()) is None


@pilot_test
async def test_help_lists_the_screen_keys(demo_sandbox: Sandbox) -> None:
    session = session_for(demo_sandbox)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_contents(app, pilot, version_arn(demo_sandbox, "geo", 3, "eu-north-1"))
        described = {desc: keys for keys, desc in screen_bindings(screen)}
        assert described["Diff previous"] == "c"
        assert described["Diff with\N{HORIZONTAL ELLIPSIS}"] == "C"
        assert described["Sort name/size"] == "s"
        assert "Back" in described and "Open" in described


def many_files_zip(count: int) -> tuple[bytes, str]:
    buffer = io.BytesIO()
    odd = "python/[bold]not markup.py"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(odd, "x = 1\n")
        for index in range(count - 1):
            folder = "python/flat" if index < 1_000 else f"python/pkg{index // 500:03d}"
            archive.writestr(f"{folder}/m{index:05d}.py", b"")
    return buffer.getvalue(), odd


@pytest.mark.slow
@pilot_test
async def test_fifty_thousand_entries_stay_lazy(sandbox: Sandbox) -> None:
    data, odd = many_files_zip(50_000)
    session = session_for(sandbox)
    region = "us-east-1"
    published = session.client("lambda", region).publish_layer_version(
        LayerName="huge", Content={"ZipFile": data}, CompatibleRuntimes=["python3.12"]
    )
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_contents(app, pilot, published["LayerVersionArn"])
        assert screen.report is not None and screen.report.files == 50_000
        tree = screen.zip_tree
        tree.focus()
        await pilot.press("space")
        await pilot.pause()
        python = tree.root.children[0]
        # 98 package folders + flat/ + one file: nodes exist only for what was opened.
        assert len(python.children) == 100
        assert nodes_under(tree.root) == 101

        flat = tree.reveal("python/flat/m00000.py")
        assert flat is not None and flat.parent is not None
        assert len(flat.parent.children) == BATCH + 1
        more = flat.parent.children[-1]
        assert isinstance(more.data, MoreChildren) and more.data.remaining == 1_000 - BATCH
        tree.move_cursor(more)
        await pilot.press("enter")
        await pilot.pause()
        assert len(flat.parent.children) == 2 * BATCH + 1

        # A "[" in a path is text, not markup.
        odd_node = tree.reveal(odd)
        assert odd_node is not None
        label = tree.render_label(odd_node, tree.rich_style, tree.rich_style)
        assert "[bold]not markup.py" in label.plain


# -- snapshot --------------------------------------------------------------------------------


def test_snapshot_contents_screen(snap_compare: Any, demo_sandbox: Sandbox) -> None:
    session = session_for(demo_sandbox)
    app = make_app(session)

    async def open_legacy(pilot: Any) -> None:
        await open_contents(app, pilot, version_arn(demo_sandbox, "legacy-utils", 3))
        await pilot.press("down", "space")
        await settle(app, pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=open_legacy)
