"""Bad input and unreachable AWS: one clear line on stderr, the right exit code, no traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "layer_tui", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


@pytest.fixture
def clean_env(tmp_path: Path) -> dict[str, str]:
    """An environment with no AWS configuration (and no instance metadata to fall back on)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_CONFIG_FILE=str(tmp_path / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        XDG_STATE_HOME=str(tmp_path / "state"),
        XDG_DATA_HOME=str(tmp_path / "data"),
    )
    return env


def assert_one_line(result: subprocess.CompletedProcess[str], code: int, *needles: str) -> None:
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[0].startswith("layer-tui: ")
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_malformed_region_is_usage_error(clean_env: dict[str, str]) -> None:
    result = run_cli("inventory", "--region", "Europe", env=clean_env)
    assert_one_line(result, 2, "'Europe'", "eu-west-1")
    assert result.stdout == ""


def test_unknown_option_is_one_line(clean_env: dict[str, str]) -> None:
    result = run_cli("inventory", "--colour", env=clean_env)
    assert_one_line(result, 2, "--colour", "--help")


def test_bad_endpoint_url(clean_env: dict[str, str]) -> None:
    result = run_cli("--endpoint-url", "localhost:5000", "inventory", env=clean_env)
    assert_one_line(result, 2, "not an http(s) URL")


def test_inspect_rejects_a_non_arn(clean_env: dict[str, str]) -> None:
    result = run_cli("inspect", "geo:3", env=clean_env)
    assert_one_line(result, 2, "not a layer version ARN")


def test_unknown_profile(clean_env: dict[str, str]) -> None:
    result = run_cli("inventory", "--profile", "nosuch", env=clean_env)
    assert_one_line(result, 2, "'nosuch'", "not configured")


def test_no_credentials_says_how_to_fix(clean_env: dict[str, str]) -> None:
    result = run_cli("inventory", "--region", "eu-west-1", env=clean_env)
    assert_one_line(result, 1, "no AWS credentials", "--demo")


def test_refused_endpoint_fails_fast(clean_env: dict[str, str]) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**clean_env, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y"}
    started = time.monotonic()
    result = run_cli("inventory", "--endpoint-url", f"http://127.0.0.1:{port}",
                     "--region", "eu-west-1", env=env)
    assert_one_line(result, 1, "cannot reach the endpoint", f"127.0.0.1:{port}")
    assert time.monotonic() - started < 15


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """A server that accepts connections and never answers: a hung endpoint."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_silent_endpoint_fails_within_about_ten_seconds(
    clean_env: dict[str, str], silent_endpoint: str
) -> None:
    env = {**clean_env, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y"}
    started = time.monotonic()
    result = run_cli("inventory", "--endpoint-url", silent_endpoint, "--region", "eu-west-1",
                     env=env)
    elapsed = time.monotonic() - started
    assert_one_line(result, 1, "stopped answering")
    assert elapsed < 15, elapsed


def test_version_flag(clean_env: dict[str, str]) -> None:
    result = run_cli("--version", env=clean_env)
    assert result.returncode == 0
    assert result.stdout.startswith("layer-tui ")


def test_an_html_error_page_becomes_one_line() -> None:
    from botocore.exceptions import ClientError

    from layer_tui.aws.errors import describe

    page = "<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n</html>"
    exc = ClientError({"Error": {"Code": "500", "Message": page},
                       "ResponseMetadata": {"HTTPStatusCode": 500}}, "GetLayerVersionByArn")
    message = str(describe(exc, "inspecting geo:4"))
    assert "\n" not in message and "<" not in message
    assert message == ("inspecting geo:4: 500: the endpoint answered HTTP 500 with a page, "
                       "not an AWS error")


# -- bad input the survey found untested, and the failures it found ----------------------------

DEMO_ARN = "arn:aws:lambda:eu-west-1:123456789012:layer:{name}:{version}"


def assert_exact_line(
    result: subprocess.CompletedProcess[str], code: int, line: str
) -> None:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr == f"layer-tui: {line}\n"


def test_inspect_a_version_that_does_not_exist(clean_env: dict[str, str]) -> None:
    arn = DEMO_ARN.format(name="nosuch", version=1)
    result = run_cli("--demo", "inspect", arn, env=clean_env)
    assert_exact_line(
        result, 2,
        f"layer version {arn} does not exist (deleted?); "
        "list the versions there are with 'layer-tui inventory'",
    )
    assert result.stdout == ""


def test_inspect_access_denied_is_one_line(
    sandbox: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from layer_tui.cli import main

    sandbox.faults.access_denied_regions = {"eu-west-1"}
    arn = f"arn:aws:lambda:eu-west-1:{sandbox.account_id}:layer:geo:3"
    code = main(["inspect", arn, "--endpoint-url", sandbox.endpoint_url])
    captured = capsys.readouterr()
    action = "lambda:GetLayerVersionByArn"
    assert code == 1
    assert captured.err == (
        f"layer-tui: inspecting {arn}: access denied; the caller's IAM policy does not allow "
        f"it (AccessDeniedException: User: arn:aws:iam::{sandbox.account_id}:user/sandbox is "
        f"not authorized to perform: {action} because no identity-based policy allows the "
        f"{action} action)\n"
    )
    assert captured.out == ""


@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_LAMBDA"])
def test_bad_endpoint_in_the_environment(clean_env: dict[str, str], variable: str) -> None:
    env = {**clean_env, variable: "localhost:5000"}
    result = run_cli("inventory", "--region", "eu-west-1", env=env)
    assert_exact_line(
        result, 2,
        f"{variable}='localhost:5000' in the environment is not an http(s) URL; "
        f"set it to e.g. http://127.0.0.1:5000, or unset {variable}",
    )


def test_unwritable_cache_is_a_warning_not_a_failure(
    sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from layer_tui.cli import main

    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(not_a_directory))
    code = main(["inventory", "--endpoint-url", sandbox.endpoint_url, "--region", "eu-west-1"])
    captured = capsys.readouterr()
    assert code == 0
    assert captured.out.startswith(f"account {sandbox.account_id}, scanned ")
    assert captured.err == (
        f"layer-tui: warning: inventory cache not saved in {not_a_directory}/layer-tui: "
        "Not a directory; point XDG_CACHE_HOME at a writable directory (the cache only "
        "speeds up the next scan)\n"
    )


def test_tui_unwritable_cache_is_one_notification(tmp_path: Path) -> None:
    from ui_fixtures import make_app, pilot_test

    from layer_tui.aws.cache import InventoryCache

    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("")
    root = not_a_directory / "layer-tui"

    @pilot_test
    async def run() -> None:
        app = make_app(inventory_cache=InventoryCache(root))
        async with app.run_test(size=(120, 40)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            warnings = [n for n in app.said if n.title == "Cache"]
            assert [(n.message, n.severity) for n in warnings] == [(
                f"inventory cache not saved in {root}: Not a directory; point XDG_CACHE_HOME "
                "at a writable directory (the cache only speeds up the next scan)",
                "warning",
            )]
            assert app.is_running

    run()


def test_demo_ignores_the_profile_and_endpoint_variables(clean_env: dict[str, str]) -> None:
    env = {**clean_env, "AWS_PROFILE": "nosuch", "AWS_DEFAULT_PROFILE": "nosuch",
           "AWS_ENDPOINT_URL": "localhost:5000"}
    result = run_cli("--demo", "inventory", "--region", "eu-west-1", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("account 123456789012, scanned ")
    # The sandbox is new every run: nothing of it is cached.
    assert not Path(clean_env["XDG_CACHE_HOME"]).exists()


def test_inspect_rejects_an_arn_longer_than_140(clean_env: dict[str, str]) -> None:
    arn = DEMO_ARN.format(name="a" * 100, version=1)
    result = run_cli("inspect", arn, env=clean_env)
    assert_exact_line(
        result, 2,
        f"the layer version ARN is {len(arn)} characters long and AWS allows at most 140; "
        "check that it was copied whole",
    )


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("inspect",),
         "the following arguments are required: LAYER_VERSION_ARN "
         "(see 'layer-tui inspect --help')"),
        (("frobnicate",),
         "unknown command 'frobnicate'; the commands are inventory, inspect, function, "
         "backups, restore and pull "
         "(see 'layer-tui --help')"),
        (("--region",), "argument --region: expected one argument (see 'layer-tui --help')"),
        (("inventory", "--region"),
         "argument --region: expected one argument (see 'layer-tui inventory --help')"),
        (("--demo", "--profile", "prod", "inventory"),
         "--demo runs its own sandbox and takes no --profile; leave out --profile or --demo"),
        (("--demo", "inventory", "--endpoint-url", "http://127.0.0.1:5000"),
         "--demo runs its own sandbox and takes no --endpoint-url; "
         "leave out --endpoint-url or --demo"),
    ],
    ids=["missing-arn", "unknown-command", "region-without-value",
         "region-without-value-after-command", "demo-with-profile", "demo-with-endpoint"],
)
def test_bad_usage_is_one_exact_line(
    clean_env: dict[str, str], args: tuple[str, ...], line: str
) -> None:
    result = run_cli(*args, env=clean_env)
    assert_exact_line(result, 2, line)
    assert result.stdout == ""


def test_a_bug_of_ours_is_still_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from layer_tui import cli

    def broken(*_: Any) -> int:
        raise RuntimeError("index out of sorts")

    monkeypatch.setattr(cli, "_validate", broken)
    assert cli.main(["inventory"]) == 1
    err = capsys.readouterr().err
    assert err == ("layer-tui: unexpected error (RuntimeError: index out of sorts); rerun with "
                   "LAYER_TUI_TRACEBACK=1 to see where, and please report it\n")
    monkeypatch.setenv("LAYER_TUI_TRACEBACK", "1")
    with pytest.raises(RuntimeError):
        cli.main(["inventory"])
