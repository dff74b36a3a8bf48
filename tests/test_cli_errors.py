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
