"""A hostile content host bounds nothing for us, and a presigned URL never reaches the user.

Issue 12, deliverable 10 ("never read more than a Range asked for; a whole-body fallback is
capped at CodeSize; no redirect to another host is followed") and the redaction part of 5 ("one
redaction step strips presigned-URL query strings from every error message, notification and
JSON output").

The attacker owns the content host that GetLayerVersion's ``Content.Location`` names (a proxy
on the way, a forged URL): ``RelocatingSandbox`` hands the app the URL of ``tests/zipserver.py``
in its hostile modes, or of a closed port, behind the very GetLayerVersion calls the app makes.
Oracles: the server's own count of the bytes it got out before the client hung up, the second
server's request log, ``zipfile``'s listing of the real bytes, and the exact text the CLI shows
(the TUI's side is in tests/test_safety_content_tui.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile_content import (
    BUFFERED,
    FLOOD,
    SESSION_TOKEN,
    SIGNATURE,
    WEST,
    RelocatingSandbox,
    assert_no_secret,
    closed_port_url,
    layer_zip,
    publish,
)
from zipserver import ZipServer, serving, zipfile_listing

from layer_tui.aws.contents import TAIL_BYTES, ContentAccessError, RemoteZip
from layer_tui.aws.errors import AwsError
from layer_tui.cli import main
from layer_tui.sandbox import Sandbox


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


def inspect(sandbox: Sandbox, arn: str, capsys: pytest.CaptureFixture[str],
            *flags: str) -> tuple[int, str, str]:  # fmt: skip
    code = main(["inspect", arn, *flags, "--endpoint-url", sandbox.endpoint_url])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line(err: str) -> str:
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


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
