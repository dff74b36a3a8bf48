"""A hostile content host bounds nothing for us, and a presigned URL never reaches the screen.

Issue 12, deliverable 10 ("never read more than a Range asked for; a whole-body fallback is
capped at CodeSize; no redirect to another host is followed") and the redaction part of 5 ("one
redaction step strips presigned-URL query strings from every error message, notification and
JSON output").

The attacker owns the content host that GetLayerVersion's ``Content.Location`` names (a proxy
on the way, a forged URL): ``RelocatingSandbox`` hands the app the URL of ``tests/zipserver.py``
in its hostile modes, or of a closed port, behind the very GetLayerVersion calls the app makes.
Oracles: the server's own count of the bytes it got out before the client hung up, the second
server's request log, ``zipfile``'s listing of the real bytes, and the exact text the CLI and
the TUI show.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import socket
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from moto.awslambda.models import LayerVersion
from textual.worker import WorkerFailed
from ui_fixtures import pilot_test
from zipserver import ZipServer, build_zip, serving, zipfile_listing

from layer_tui.aws.contents import TAIL_BYTES, ContentAccessError, RemoteZip
from layer_tui.aws.errors import AwsError
from layer_tui.aws.models import Inventory
from layer_tui.aws.session import AwsSession, SessionConfig
from layer_tui.cli import main
from layer_tui.sandbox import Sandbox

WEST = "eu-west-1"
MiB = 1024 * 1024
#: Far more than the loopback socket buffers of both ends hold (a few MiB): a client that
#: stopped reading leaves the server stuck well short of it.
FLOOD = 64 * MiB
#: What a server may get into the socket buffers after the client stopped reading.
BUFFERED = 16 * MiB

#: What AWS puts into a presigned content URL's query: the signature, and for temporary
#: credentials the access key id (in the credential scope) and the session token.
SIGNATURE = "9f3c" * 16
ACCESS_KEY = "ASIAEXAMPLEKEY123456"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLEsessionTOKEN"
SECRETS = (SIGNATURE, ACCESS_KEY, SESSION_TOKEN)
#: Once a URL's query is gone, so are its parameters' names.
QUERY_NAMES = ("X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token")
PRESIGNED_QUERY = (
    "X-Amz-Algorithm=AWS4-HMAC-SHA256"
    f"&X-Amz-Credential={ACCESS_KEY}%2F20261122%2Feu-west-1%2Fs3%2Faws4_request"
    "&X-Amz-Date=20261122T190000Z&X-Amz-Expires=600"
    f"&X-Amz-Security-Token={SESSION_TOKEN}%2F%2B%3D&X-Amz-SignedHeaders=host"
    f"&X-Amz-Signature={SIGNATURE}"
)


class RelocatingSandbox(Sandbox):
    """The sandbox, its content URLs handed out through ``relocate`` (a hostile host)."""

    relocate: Callable[[str], str] | None = None

    def content_url(self, layer_version: LayerVersion) -> str:
        url = super().content_url(layer_version)
        return self.relocate(url) if self.relocate is not None else url


@pytest.fixture
def hostile() -> Iterator[RelocatingSandbox]:
    with RelocatingSandbox(regions=(WEST,)) as started:
        yield started


@pytest.fixture
def zip_server() -> Iterator[ZipServer]:
    with serving() as server:
        yield server


@pytest.fixture
def other_host() -> Iterator[ZipServer]:
    """A second server, on another port: another host as far as a URL's origin goes."""
    with serving() as server:
        yield server


def layer_zip() -> bytes:
    """Bigger than one tail read, so listing it asks for exactly TAIL_BYTES."""
    return build_zip({
        "python/geo/__init__.py": b"from .core import *\n",
        "python/geo/core.py": b"def area(shape):\n    return 0\n" * 40,
        "python/geo/data.txt": secrets.token_hex(150_000).encode(),
    }, compression=zipfile.ZIP_STORED)  # fmt: skip


def publish(sandbox: Sandbox, data: bytes) -> str:
    published = sandbox.client("lambda", WEST).publish_layer_version(
        LayerName="geo", Content={"ZipFile": data}, CompatibleRuntimes=["python3.12"]
    )
    assert published["Content"]["CodeSize"] == len(data) > TAIL_BYTES
    return str(published["LayerVersionArn"])


def inspect(sandbox: Sandbox, arn: str, capsys: pytest.CaptureFixture[str],
            *flags: str) -> tuple[int, str, str]:  # fmt: skip
    code = main(["inspect", arn, *flags, "--endpoint-url", sandbox.endpoint_url])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line(err: str) -> str:
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def closed_port_url(port: int | None = None, path: str = "/_content/geo/1") -> str:
    return f"http://127.0.0.1:{port or closed_port()}{path}?{PRESIGNED_QUERY}"


def assert_no_secret(*texts: str, query_gone: bool = True) -> None:
    for text in texts:
        for secret in SECRETS + (QUERY_NAMES if query_gone else ()):
            assert secret not in text, f"{secret!r} leaked in {text!r}"


# -- a 206 longer than its range ------------------------------------------------------------------


def test_a_206_running_past_its_range_is_read_only_as_far_as_asked(
    hostile: RelocatingSandbox, zip_server: ZipServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Attack: the content host answers the tail read with a 206 whose Content-Range names the
    range asked for, sends no Content-Length and streams 64 MiB past it until the client hangs
    up. Promise: no more than the range is read (bytes_fetched in inspect --json is what was
    asked), the listing is the real one, and the server is left stuck far short of its flood.
    """
    data = layer_zip()
    arn = publish(hostile, data)
    zip_server.publish("geo.zip", data, extra_bytes=FLOOD, announce_length=False)
    hostile.relocate = lambda _: zip_server.url("geo.zip")

    code, out, err = inspect(hostile, arn, capsys, "--json")

    assert (code, err) == (0, "")
    report = json.loads(out)
    assert report["bytes_fetched"] == TAIL_BYTES  # exactly what the tail read asked for
    listed = [(e["path"], e["size"]) for e in report["entries"]]
    assert listed == [(path, size) for path, size, *_ in zipfile_listing(data)]
    assert zip_server.wait_until_settled()
    assert [r.range for r in zip_server.requests] == [f"bytes=-{TAIL_BYTES}"]
    assert TAIL_BYTES <= zip_server.bytes_sent < BUFFERED


def test_a_206_announcing_ten_times_its_range_is_refused_unread(
    hostile: RelocatingSandbox, zip_server: ZipServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Attack: the tail read's 206 says Content-Length ten times the range it names. Promise:
    refused before a byte of the body is read, in one line; inspect exits 1."""
    data = layer_zip()
    arn = publish(hostile, data)
    zip_server.publish("geo.zip", data, extra_bytes=9 * TAIL_BYTES)
    hostile.relocate = lambda _: zip_server.url("geo.zip")

    code, out, err = inspect(hostile, arn, capsys)

    assert (code, out) == (1, "")
    assert "the content host sent more than asked" in one_line(err)
    assert f"{10 * TAIL_BYTES:,} bytes" in err

    with RemoteZip(lambda: zip_server.url("geo.zip"), size=len(data)) as archive:
        with pytest.raises(ContentAccessError, match="sent more than asked"):
            archive.entries()
        assert archive.bytes_fetched == 0


# -- a 200 that ignores Range ---------------------------------------------------------------------


def test_a_200_ignoring_range_is_read_no_further_than_code_size(
    hostile: RelocatingSandbox, zip_server: ZipServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Attack: the host ignores Range and answers 200 with the object followed by 64 MiB, no
    Content-Length. Promise: the whole-body fallback reads CodeSize bytes and stops; the
    listing is the real one; the server is left stuck far short of its flood."""
    data = layer_zip()
    arn = publish(hostile, data)
    zip_server.publish(
        "geo.zip", data, honour_range=False, extra_bytes=FLOOD, announce_length=False
    )
    hostile.relocate = lambda _: zip_server.url("geo.zip")

    code, out, err = inspect(hostile, arn, capsys, "--json")

    assert (code, err) == (0, "")
    report = json.loads(out)
    assert report["bytes_fetched"] == report["code_size"] == len(data)
    listed = [(e["path"], e["size"]) for e in report["entries"]]
    assert listed == [(path, size) for path, size, *_ in zipfile_listing(data)]
    assert any("ignored Range" in f["message"] for f in report["findings"])
    assert zip_server.wait_until_settled()
    assert len(data) <= zip_server.bytes_sent < len(data) + BUFFERED


def test_a_200_announcing_more_than_code_size_is_refused(
    hostile: RelocatingSandbox, zip_server: ZipServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Attack: the host ignores Range and announces a whole body ten times CodeSize. Promise:
    refused before reading it, in one line naming both sizes; inspect exits 1."""
    data = layer_zip()
    arn = publish(hostile, data)
    zip_server.publish("geo.zip", data, honour_range=False, extra_bytes=9 * len(data))
    hostile.relocate = lambda _: zip_server.url("geo.zip")

    code, out, err = inspect(hostile, arn, capsys)

    assert (code, out) == (1, "")
    assert "the content host sent more than asked" in one_line(err)
    assert f"{10 * len(data):,} bytes where CodeSize is {len(data):,}" in err


def test_a_200_without_a_known_code_size_is_refused(zip_server: ZipServer) -> None:
    """Attack: a host that ignores Range, for a reader that was given no CodeSize (so nothing
    bounds the whole body). Promise: refused, nothing of the body read."""
    data = layer_zip()
    zip_server.publish("geo.zip", data, honour_range=False)
    with RemoteZip(lambda: zip_server.url("geo.zip")) as archive:
        with pytest.raises(ContentAccessError, match=r"CodeSize\) is unknown"):
            archive.entries()
        assert archive.bytes_fetched == 0
        assert not archive.downloaded_whole


# -- redirects ------------------------------------------------------------------------------------


def test_a_redirect_to_another_host_is_not_followed(
    hostile: RelocatingSandbox, zip_server: ZipServer, other_host: ZipServer,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """Attack: the content host answers 302 to another host (which would serve the real zip),
    to make the client carry its Range and timing there. Promise: not followed, not one request
    reaches the other host, one line naming only the other host; inspect exits 1."""
    data = layer_zip()
    arn = publish(hostile, data)
    elsewhere = other_host.publish("geo.zip", data)
    zip_server.publish("geo.zip", data, redirect_to=elsewhere)
    hostile.relocate = lambda _: zip_server.url("geo.zip")

    code, out, err = inspect(hostile, arn, capsys, "--json")

    assert (code, out) == (1, "")
    other = other_host.base.removeprefix("http://")
    assert f"the content host redirected to another host ({other}); not followed" in one_line(
        err
    )
    assert other_host.requests == []
    assert [r.status for r in zip_server.requests] == [302]


def test_same_host_redirects_are_followed_at_most_twice(
    hostile: RelocatingSandbox, zip_server: ZipServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Attack: a host that redirects to itself forever. Promise: a redirect on the same host is
    followed (twice at most), a third is refused in one line; inspect exits 1."""
    data = layer_zip()
    arn = publish(hostile, data)
    zip_server.publish("geo.zip", data)
    zip_server.publish("moved", b"", redirect_to=zip_server.url("geo.zip"))
    hostile.relocate = lambda _: zip_server.url("moved")
    code, out, err = inspect(hostile, arn, capsys, "--json")
    assert (code, err) == (0, "")
    assert json.loads(out)["files"] == 3  # the one same-host redirect was followed

    zip_server.reset_counts()
    zip_server.publish("loop", b"", redirect_to=f"{zip_server.base}/loop")
    hostile.relocate = lambda _: zip_server.url("loop")
    code, out, err = inspect(hostile, arn, capsys)
    assert (code, out) == (1, "")
    assert "the content host redirected more than 2 times" in one_line(err)
    assert [r.status for r in zip_server.requests] == [302, 302, 302]


# -- backups --------------------------------------------------------------------------------------


def test_the_backup_download_stops_at_code_size(
    hostile: RelocatingSandbox, zip_server: ZipServer, tmp_path: Path
) -> None:
    """Attack: the backup's download (a GET without Range) gets the object followed by 64 MiB,
    no Content-Length. Promise: CodeSize bytes are read and kept, verified as today; the server
    is left stuck far short of its flood."""
    from layer_tui.aws.backups import backup_layer_version

    data = layer_zip()
    arn = publish(hostile, data)
    zip_server.publish("geo.zip", data, extra_bytes=FLOOD, announce_length=False)
    hostile.relocate = lambda _: zip_server.url("geo.zip")

    record = backup_layer_version(hostile.client("lambda", WEST), hostile.account_id, arn,
                                  root=tmp_path)  # fmt: skip

    assert record.zip_path.read_bytes() == data
    assert zip_server.wait_until_settled()
    assert len(data) <= zip_server.bytes_sent < len(data) + BUFFERED


def test_the_backup_download_follows_no_redirect_to_another_host(
    hostile: RelocatingSandbox, zip_server: ZipServer, other_host: ZipServer, tmp_path: Path
) -> None:
    """Attack: the backup's download is redirected to another host serving the real zip.
    Promise: not followed, nothing reaches the other host, the backup fails in one line (so
    nothing is deleted) and leaves no partial zip."""
    from layer_tui.aws.backups import backup_layer_version

    data = layer_zip()
    arn = publish(hostile, data)
    zip_server.publish("geo.zip", data, redirect_to=other_host.publish("geo.zip", data))
    hostile.relocate = lambda _: zip_server.url("geo.zip")

    with pytest.raises(AwsError) as failure:
        backup_layer_version(hostile.client("lambda", WEST), hostile.account_id, arn,
                             root=tmp_path)  # fmt: skip

    assert "redirected to another host" in str(failure.value)
    assert "\n" not in str(failure.value)
    assert other_host.requests == []
    assert not list(tmp_path.rglob("layer.zip*"))


# -- presigned URLs in error text -----------------------------------------------------------------


@pytest.mark.parametrize("flags", [(), ("--json",)], ids=["text", "json"])
def test_an_unreachable_content_host_shows_no_presigned_secret(
    hostile: RelocatingSandbox, capsys: pytest.CaptureFixture[str], flags: tuple[str, ...]
) -> None:
    """Attack: the content URL (signature, access key id and session token in its query, as on
    AWS) points at a host that refuses connections, so urllib3's error names the whole URL.
    Promise: inspect exits 1 with one line saying which host could not be reached, and neither
    stdout nor stderr carries the signature, the credential or the token."""
    arn = publish(hostile, layer_zip())
    hostile.relocate = lambda _: closed_port_url()

    code, out, err = inspect(hostile, arn, capsys, *flags)

    assert (code, out) == (1, "")
    assert "could not reach the content host 127.0.0.1:" in one_line(err)
    assert_no_secret(out, err)


def test_describe_and_every_error_line_are_redacted() -> None:
    """Attack: a presigned URL inside any exception text (urllib3's, botocore's, our own).
    Promise: describe() and every AwsError strip the query (host and path stay), and bare
    signing parameters too; text without a URL is untouched."""
    import urllib3

    from layer_tui.aws.errors import describe

    url = closed_port_url()
    try:
        urllib3.PoolManager(retries=urllib3.Retry(0)).request("GET", url)
    except urllib3.exceptions.HTTPError as exc:
        raised: Exception = exc
    assert SIGNATURE in str(raised)  # the fault carries the secret
    described = describe(raised, "inspecting geo:1")
    assert_no_secret(str(described), described.message)
    assert "/_content/geo/1?" in str(described)
    assert_no_secret(str(AwsError("BackupFailed", f"backup failed: {url}")))
    bare = f"signed with X-Amz-Signature={SIGNATURE}&X-Amz-Security-Token={SESSION_TOKEN}"
    assert_no_secret(str(AwsError("X", bare)), query_gone=False)
    plain = "geo:3 is used by billing:1 (alias prod)? yes: arn:aws:lambda:eu-west-1:1:layer:geo:3"
    assert str(AwsError("X", plain)) == plain


# -- the TUI --------------------------------------------------------------------------------------


def tui_session(sandbox: Sandbox) -> AwsSession:
    return AwsSession(
        SessionConfig(endpoint_url=sandbox.endpoint_url, rate_per_second=500.0, demo=True)
    )


async def settle(app: Any, pilot: Any) -> None:
    for _ in range(2):
        with contextlib.suppress(WorkerFailed):  # the screen has shown why already
            await app.workers.wait_for_complete()
        await pilot.pause()


def screen_text(screen: Any) -> str:
    return "\n".join(str(widget.render()) for widget in screen.query("*")
                     if hasattr(widget, "render"))  # fmt: skip


@pilot_test
async def test_the_tui_shows_no_presigned_secret(hostile: RelocatingSandbox) -> None:
    """Attack: under the contents screen, first the listing and then a file's read go to an
    unreachable host whose URL carries the signature, the credential and the token. Promise:
    neither the screen (its findings, summary, error panel) nor any notification shows them."""
    from layer_tui.ui.app import LayerTuiApp
    from layer_tui.ui.screens.contents import ContentsScreen

    arn = publish(hostile, layer_zip())
    session = tui_session(hostile)

    def no_scan(_session: Any, _regions: Any = None, **_: Any) -> Inventory:
        from layer_tui import clock

        return Inventory(session.account_id(), clock.now(), ())

    app = LayerTuiApp(session.config, session=session, scan=no_scan, endpoint_label=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        port = closed_port()
        hostile.relocate = lambda _: closed_port_url(port)
        screen = ContentsScreen(app._ensure_session(), arn)
        await app.push_screen(screen)
        await settle(app, pilot)
        shown = screen_text(screen)
        assert str(port) in shown  # the fault did fire, and the screen says where
        assert_no_secret(shown)
        await pilot.press("escape")
        await pilot.pause()

        hostile.relocate = None  # the listing works; the file's read will not
        screen = ContentsScreen(app._ensure_session(), arn)
        await app.push_screen(screen)
        await settle(app, pilot)
        assert screen.report is not None and screen.report.files == 3
        hostile.relocate = lambda _: closed_port_url(port)
        core = next(e for e in screen.report.entries if e.path == "python/geo/core.py")
        screen.open_entry(core)
        await settle(app, pilot)
        said = [n.message for n in app._notifications]
        assert any(str(port) in m for m in said), said
        assert_no_secret(*said, screen_text(screen))


@pilot_test
async def test_every_notification_is_redacted(hostile: RelocatingSandbox) -> None:
    """Attack: a notification that quotes an exception naming a presigned URL without going
    through describe() (any screen's own ``notify``). Promise: the one notification funnel
    strips the query; the host and path still say where."""
    from layer_tui.ui.app import LayerTuiApp

    session = tui_session(hostile)

    def no_scan(_session: Any, _regions: Any = None, **_: Any) -> Inventory:
        from layer_tui import clock

        return Inventory(session.account_id(), clock.now(), ())

    app = LayerTuiApp(session.config, session=session, scan=no_scan, endpoint_label=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        port = closed_port()
        app.screen.notify(f"could not open {closed_port_url(port)}", severity="error")
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert any(f"127.0.0.1:{port}/_content/geo/1?" in m for m in said), said
        assert_no_secret(*said)
