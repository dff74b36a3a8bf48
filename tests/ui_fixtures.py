"""An in-memory account for the UI tests: a hand-made Inventory, a fake session, a fake scan.

Three regions: eu-north-1 (layers in every state: latest, behind, unused, deprecated runtime,
a description with markup characters), us-east-1 (one small layer) and ap-south-2 (not enabled
for the account). The fake scan reports progress the way ``scan_inventory`` does, from a thread.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from layer_tui.aws.models import (
    LATEST,
    FunctionRef,
    Inventory,
    Layer,
    LayerVersion,
    RegionError,
    RegionInventory,
)

ACCOUNT = "123456789012"
NOW = datetime(2026, 11, 22, 19, 0, tzinfo=UTC)
SCANNED_AT = NOW - timedelta(minutes=5)


def aws_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def layer_arn(region: str, name: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:lambda:{region}:{account}:layer:{name}"


def function_arn(region: str, name: str) -> str:
    return f"arn:aws:lambda:{region}:{ACCOUNT}:function:{name}"


@dataclass
class _Spec:
    name: str
    versions: list[dict[str, Any]]


def _function(
    region: str, name: str, runtime: str, layers: Sequence[str], days: int
) -> FunctionRef:
    return FunctionRef(
        function=name,
        arn=function_arn(region, name),
        version=LATEST,
        runtime=runtime,
        architectures=("x86_64",),
        region=region,
        last_modified=aws_time(NOW - timedelta(days=days)),
        code_size=4096,
        layers=tuple(layers),
        layer_sizes=tuple(1000 for _ in layers),
    )


def _region(
    region: str, specs: list[_Spec], functions: list[FunctionRef], scanned: int
) -> RegionInventory:
    layers = []
    for spec in specs:
        versions = []
        for number, extra in sorted(
            ((v["version"], v) for v in spec.versions), key=lambda item: -item[0]
        ):
            arn = f"{layer_arn(region, spec.name)}:{number}"
            versions.append(
                LayerVersion(
                    layer_name=spec.name,
                    version=number,
                    arn=arn,
                    layer_arn=layer_arn(region, spec.name),
                    region=region,
                    created=aws_time(NOW - timedelta(days=extra.get("age_days", 1))),
                    code_size=extra.get("size", 311_300),
                    code_sha256=extra.get("sha", f"{spec.name}{number}sha256base64digest="),
                    description=extra.get("description", ""),
                    license=extra.get("license"),
                    compatible_runtimes=tuple(extra.get("runtimes", ("python3.12",))),
                    compatible_architectures=tuple(extra.get("arch", ("x86_64",))),
                    consumers=tuple(f for f in functions if arn in f.layers),
                )
            )
        layers.append(Layer(spec.name, layer_arn(region, spec.name), region, tuple(versions)))
    return RegionInventory(
        region=region,
        functions_scanned=len(functions) + scanned,
        layers=tuple(layers),
        functions=tuple(functions),
        scanned_at=SCANNED_AT,
        account=ACCOUNT,
    )


def eu_north_1() -> RegionInventory:
    region = "eu-north-1"
    geo = layer_arn(region, "geo")
    pandas = layer_arn(region, "pandas-py39")
    datadog = "arn:aws:lambda:eu-north-1:464622532012:layer:Datadog-Python312:98"
    functions = [
        _function(region, "orders-api", "python3.12", [f"{geo}:3"], 2),
        _function(region, "billing-worker", "python3.12", [datadog, f"{geo}:2"], 9),
        _function(region, "geo-import", "python3.12", [f"{geo}:2", f"{pandas}:1", datadog], 30),
        _function(region, "legacy-report", "python3.9", [f"{pandas}:1"], 400),
    ]
    specs = [
        _Spec(
            "geo",
            [
                {"version": 1, "age_days": 90, "description": "first cut"},
                {"version": 2, "age_days": 30, "description": "shapely 2 [beta] build"},
                {
                    "version": 3,
                    "age_days": 2,
                    "description": "geo helpers [bold]not markup[/bold]",
                    "license": "MIT",
                    "runtimes": ("python3.12", "python3.13"),
                    "arch": ("x86_64", "arm64"),
                    "size": 1_048_576,
                },
            ],
        ),
        _Spec(
            "pandas-py39",
            [{"version": 1, "age_days": 700, "runtimes": ("python3.9",), "size": 48_000_000}],
        ),
        _Spec("unused-tools", [{"version": 4, "age_days": 14, "runtimes": ("nodejs20.x",)}]),
    ]
    return _region(region, specs, functions, scanned=33)


def us_east_1() -> RegionInventory:
    region = "us-east-1"
    tools = layer_arn(region, "ops-tools")
    functions = [_function(region, "nightly-cleanup", "nodejs22.x", [f"{tools}:7"], 3)]
    specs = [_Spec("ops-tools", [{"version": 7, "age_days": 3, "runtimes": ("nodejs22.x",)}])]
    return _region(region, specs, functions, scanned=11)


def ap_south_2() -> RegionInventory:
    return RegionInventory(
        region="ap-south-2",
        error=RegionError(
            "UnrecognizedClientException",
            "region not enabled for this account (or the credentials are invalid there)",
        ),
        scanned_at=SCANNED_AT,
    )


def sample_inventory() -> Inventory:
    return Inventory(ACCOUNT, NOW, (ap_south_2(), eu_north_1(), us_east_1()))


@dataclass(frozen=True)
class FakeProgress:
    """Same fields as ``layer_tui.aws.inventory.ScanProgress``."""

    region: str
    stage: str
    done: int = 0
    total: int | None = None
    result: RegionInventory | None = None


@dataclass
class FakeSession:
    """What the app asks of a session, without AWS."""

    config: Any = None
    account: str = ACCOUNT
    profile_label: str = "demo"
    endpoint_label: str | None = "sandbox"
    fail_with: Exception | None = None

    @property
    def read_only(self) -> bool:
        return bool(getattr(self.config, "read_only", False))

    def account_id(self) -> str:
        if self.fail_with is not None:
            raise self.fail_with
        return self.account

    def discover_regions(self) -> list[str]:
        return [r.region for r in sample_inventory().regions]


@dataclass
class FakeScan:
    """A ``scan_inventory`` stand-in: reports each region's stages, then returns the inventory.

    ``gate`` (when set) holds the scan of the regions in ``slow`` until the test releases it,
    to look at the screen while a region is still scanning.
    """

    inventory: Inventory = field(default_factory=sample_inventory)
    slow: frozenset[str] = frozenset()
    gate: threading.Event = field(default_factory=threading.Event)
    calls: list[tuple[str, ...] | None] = field(default_factory=list)

    def __call__(
        self,
        session: Any,
        regions: Sequence[str] | None = None,
        *,
        all_versions: bool = False,
        progress: Callable[[Any], None] | None = None,
        **_: Any,
    ) -> Inventory:
        self.calls.append(tuple(regions) if regions else None)
        wanted = [r for r in self.inventory.regions if not regions or r.region in regions]
        report = progress or (lambda _: None)
        for scanned in wanted:
            report(FakeProgress(scanned.region, "queued"))
        for scanned in wanted:
            if scanned.region in self.slow:
                report(FakeProgress(scanned.region, "versions", 2, 5))
                continue
            self._finish(scanned, report)
        if any(r.region in self.slow for r in wanted):
            self.gate.wait(timeout=10)
            for scanned in wanted:
                if scanned.region in self.slow:
                    self._finish(scanned, report)
        return Inventory(self.inventory.account, NOW, tuple(wanted))

    @staticmethod
    def _finish(scanned: RegionInventory, report: Callable[[Any], None]) -> None:
        report(FakeProgress(scanned.region, "layers", 1, 1))
        stage = "error" if scanned.error else "done"
        report(FakeProgress(scanned.region, stage, result=scanned))


@dataclass
class FakeConfig:
    """Same fields as ``layer_tui.aws.session.SessionConfig``."""

    profile: str | None = None
    endpoint_url: str | None = None
    regions: tuple[str, ...] = ()
    read_only: bool = False
    demo: bool = True
    rate_per_second: float = 10.0


def make_app(
    *,
    read_only: bool = False,
    scan: FakeScan | None = None,
    session: FakeSession | None = None,
    profiles: Sequence[str] = ("default", "prod"),
    inventory_cache: Any = None,
) -> Any:
    """The app on the sample account, with no AWS and a fixed endpoint label."""
    from layer_tui.ui.app import LayerTuiApp

    config = _config(read_only)
    return LayerTuiApp(
        config,
        session=session or FakeSession(config),
        session_factory=lambda cfg: FakeSession(cfg, profile_label=cfg.profile or "default"),
        scan=scan or FakeScan(),
        endpoint_label="sandbox",
        list_profiles=lambda: list(profiles),
        inventory_cache=inventory_cache,
    )


def _config(read_only: bool) -> Any:
    try:
        from layer_tui.aws.session import SessionConfig
    except ImportError:
        return FakeConfig(read_only=read_only)
    return SessionConfig(read_only=read_only, demo=True)


def pilot_test(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an ``async`` Pilot test under plain pytest (no asyncio plugin is installed)."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run
