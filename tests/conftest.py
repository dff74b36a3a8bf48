"""Fixtures shared by every test tier.

- ``aws_env`` (autouse): fake credentials, no profile, no endpoint override, XDG dirs in tmp,
  so no test can reach a real account or write into the developer's home.
- ``sandbox``: a fresh, empty, started Sandbox per test (its own random account).
- ``demo_sandbox``: the seeded demo estate, started once per session. Read it; never change it.
- ``org_sandbox``: a fresh Sandbox that is an organization's management account, with members
  ``platform``, ``orders``, ``billing``, ``legacy`` (``org_sandbox.organization``; nothing
  seeded). ``org_estate``: the same, seeded by ``sandbox.org_estate.seed_shared_layers``
  (layers shared from platform, used in other members, legacy's role missing); it yields the
  ``SharedLayers`` record (ARNs, functions by account).
- ``write_keymap``: writes the user's ``keymap.toml`` where the app looks for it (in the test's
  own XDG config folder) and returns its path.
- ``frozen_clock`` (autouse, by marker): a module or test marked ``@pytest.mark.frozen_clock(T)``
  reads every age against ``T``; the clock is thawed after it, even when it fails.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from layer_tui import clock
from layer_tui.sandbox import Sandbox
from layer_tui.sandbox.org_estate import ESTATE_MEMBERS, SharedLayers, seed_shared_layers
from layer_tui.sandbox.seed import start_demo


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "frozen_clock(moment): every age in the test reads against this aware datetime"
    )


@pytest.fixture(autouse=True)
def frozen_clock(request: pytest.FixtureRequest) -> Iterator[None]:
    marker = request.node.get_closest_marker("frozen_clock")
    if marker is None:
        yield
        return
    clock.freeze(marker.args[0])
    try:
        yield
    finally:
        clock.freeze(None)


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("AWS_ENDPOINT_URL") or name in (
            "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE",
            "AWS_SESSION_TOKEN",
            "AWS_SECURITY_TOKEN",
            "AWS_ROLE_ARN",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
        ):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    # Never read the developer's ~/.aws: those files may name real profiles and SSO sessions.
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws" / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws" / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for kind in ("CACHE", "STATE", "DATA", "CONFIG"):
        directory = tmp_path / "xdg" / kind.lower()
        directory.mkdir(parents=True)
        monkeypatch.setenv(f"XDG_{kind}_HOME", str(directory))


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as started:
        yield started


@pytest.fixture(scope="session")
def demo_sandbox() -> Iterator[Sandbox]:
    demo = start_demo()
    try:
        yield demo
    finally:
        demo.stop()


@pytest.fixture
def write_keymap() -> Callable[[str], Path]:
    def write(text: str) -> Path:
        base = Path(os.environ["XDG_CONFIG_HOME"]) / "layer-tui"
        base.mkdir(parents=True, exist_ok=True)
        path = base / "keymap.toml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def org_sandbox() -> Iterator[Sandbox]:
    with Sandbox() as started:
        started.create_organization(ESTATE_MEMBERS)
        yield started


@pytest.fixture
def org_estate(org_sandbox: Sandbox) -> SharedLayers:
    assert org_sandbox.organization is not None
    return seed_shared_layers(org_sandbox, org_sandbox.organization)


@pytest.fixture
def second_account() -> Iterator[str]:
    """Another account in the sandbox's process (the Config index tests' workload account),
    forgotten afterwards."""
    from config_estate import forget, other_account

    account = other_account()
    try:
        yield account
    finally:
        forget(account)
