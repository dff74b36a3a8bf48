"""The demo account's layers: what each one contains, in which regions, and its history.

Each layer shows something the app must notice: drift between versions, deleted versions
(gaps), deprecated runtimes, a wrong zip layout, a zip inside the zip, x86_64 binaries in an
arm64-only layer, and one layer over the 50 MB direct-upload limit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from layer_tui.sandbox.archives import (
    ArchiveBuilder,
    elf_image,
    incompressible_archive,
    node_package,
    python_package,
)

SITE_312 = "python/lib/python3.12/site-packages"
SITE_311 = "python/lib/python3.11/site-packages"
SITE_39 = "python/lib/python3.9/site-packages"
SITE_38 = "python/lib/python3.8/site-packages"

#: Over the 50 MB that PublishLayerVersion accepts inline: such layers come through S3.
BIG_LAYER_BYTES = 52 * 1024 * 1024 + 4321

ArchiveMaker = Callable[[int], bytes]


@dataclass(frozen=True)
class DemoLayer:
    name: str
    regions: tuple[str, ...]
    make: ArchiveMaker
    runtimes: tuple[str, ...]
    architectures: tuple[str, ...]
    versions: int
    #: Published, then deleted: the gaps AWS leaves in version numbers.
    deleted: tuple[int, ...] = ()
    description: str = ""
    license_info: str = ""


def _py_common(version: int) -> bytes:
    builder = ArchiveBuilder()
    for site in (SITE_312, SITE_311):
        python_package(
            builder,
            site,
            "requests",
            f"2.3{version}.0",
            ("api", "sessions", "models"),
            "Python HTTP for Humans.",
        )
        python_package(
            builder,
            site,
            "urllib3",
            f"2.{version}.1",
            ("connection", "poolmanager"),
            "HTTP library with thread-safe connection pooling",
        )
        python_package(
            builder,
            site,
            "charset-normalizer",
            f"3.{version}.0",
            ("api", "cd"),
            "The Real First Universal Charset Detector",
        )
        tag = "cpython-312" if site == SITE_312 else "cpython-311"
        builder.add(
            f"{site}/charset_normalizer/md.{tag}-x86_64-linux-gnu.so",
            elf_image("x86_64", executable=False, size=96_000, seed=version),
        )
    builder.add(f"{SITE_312}/certifi/cacert.pem", "-----BEGIN CERTIFICATE-----\n" * 200)
    return builder.build()


def _geo(version: int) -> bytes:
    builder = ArchiveBuilder()
    python_package(
        builder,
        SITE_312,
        "shapely",
        f"2.0.{version}",
        ("geometry", "ops", "wkt"),
        "Manipulation and analysis of geometric objects",
    )
    builder.add(
        f"{SITE_312}/shapely/lib.cpython-312-x86_64-linux-gnu.so",
        elf_image("x86_64", executable=False, size=180_000, seed=100 + version),
    )
    builder.add(
        f"{SITE_312}/shapely.libs/libgeos-{version}.so.3.12",
        elf_image("x86_64", executable=False, size=240_000, seed=110 + version),
    )
    return builder.build()


def _pydantic_arm64(version: int) -> bytes:
    builder = ArchiveBuilder()
    python_package(
        builder,
        SITE_312,
        "pydantic",
        f"2.{version + 6}.0",
        ("main", "fields"),
        "Data validation using Python type hints",
    )
    python_package(
        builder,
        SITE_312,
        "pydantic-core",
        f"2.{version + 20}.1",
        ("core_schema",),
        "Core functionality for Pydantic validation and serialization",
    )
    builder.add(
        f"{SITE_312}/pydantic_core/_pydantic_core.cpython-312-aarch64-linux-gnu.so",
        elf_image("arm64", executable=False, size=210_000, seed=200 + version),
    )
    return builder.build()


def _numpy_arm64(version: int) -> bytes:
    # Built on an x86_64 laptop and published as arm64: the classic mistake.
    builder = ArchiveBuilder()
    python_package(
        builder,
        SITE_312,
        "numpy",
        f"1.26.{version}",
        ("core", "linalg", "fft"),
        "Fundamental package for array computing in Python",
    )
    for module in ("_multiarray_umath", "_umath_linalg", "_pocketfft_internal"):
        builder.add(
            f"{SITE_312}/numpy/core/{module}.cpython-312-x86_64-linux-gnu.so",
            elf_image("x86_64", executable=False, size=150_000, seed=300 + version),
        )
    return builder.build()


def _node_utils(version: int) -> bytes:
    builder = ArchiveBuilder()
    for name, base in (("lodash", "4.17"), ("axios", "1.7"), ("uuid", "9.0"), ("dayjs", "1.11")):
        node_package(builder, "nodejs/node_modules", name, f"{base}.{version}")
    return builder.build()


def _node16_helpers(version: int) -> bytes:
    builder = ArchiveBuilder()
    for name, base in (("aws-sdk", "2.1500"), ("moment", "2.29")):
        node_package(builder, "nodejs/node16/node_modules", name, f"{base}.{version}")
    return builder.build()


def _edge_auth(version: int) -> bytes:
    builder = ArchiveBuilder()
    for name, base in (("jose", "5.2"), ("cookie", "0.6")):
        node_package(builder, "nodejs/node_modules", name, f"{base}.{version}")
    return builder.build()


def _cli_tools(version: int) -> bytes:
    builder = ArchiveBuilder()
    builder.add(
        "bin/jq",
        elf_image("x86_64", executable=True, size=400_000, seed=400 + version),
        executable=True,
    )
    builder.add(
        "bin/yq",
        elf_image("x86_64", executable=True, size=300_000, seed=410 + version),
        executable=True,
    )
    builder.add("lib/libonig.so.5", elf_image("x86_64", executable=False, size=120_000, seed=420))
    return builder.build()


def _otel_extension(version: int) -> bytes:
    builder = ArchiveBuilder()
    builder.add(
        "extensions/otel-collector",
        elf_image("x86_64", executable=True, size=500_000, seed=500 + version),
        executable=True,
    )
    builder.add("extensions/otel-collector.yaml", f"receivers:\n  otlp: {{}}\n# v{version}\n")
    return builder.build()


def _legacy_utils(version: int) -> bytes:
    # site-packages/ at the top instead of under python/: nothing here is importable,
    # and the vendored bundle is a zip that Lambda will never unpack.
    builder = ArchiveBuilder()
    python_package(
        builder,
        "site-packages",
        "legacy-utils",
        f"0.{version}.0",
        ("dates", "strings"),
        "Shared helpers from the old monolith",
    )
    inner = ArchiveBuilder()
    python_package(inner, "python", "vendored", f"1.{version}", ("core",), "Vendored deps")
    builder.add("vendor/bundle.zip", inner.build())
    return builder.build()


def _py38_common(version: int) -> bytes:
    builder = ArchiveBuilder()
    python_package(builder, SITE_38, "boto3-stubs", f"1.28.{version}", ("client",), "Stubs")
    python_package(builder, SITE_38, "simplejson", f"3.19.{version}", ("decoder",), "JSON")
    return builder.build()


def _shared_config(version: int) -> bytes:
    builder = ArchiveBuilder()
    for name in ("feature-flags", "endpoints", "limits"):
        builder.add(f"python/config/{name}.json", f'{{"revision": {version}, "name": "{name}"}}\n')
        builder.add(f"nodejs/node_modules/@acme/config/{name}.json", f'{{"revision": {version}}}\n')
    builder.add(
        "nodejs/node_modules/@acme/config/package.json",
        f'{{"name": "@acme/config", "version": "1.{version}.0"}}\n',
    )
    return builder.build()


def _java_commons(version: int) -> bytes:
    builder = ArchiveBuilder()
    for jar in ("commons-lang3-3.14.0", "jackson-databind-2.17.1", f"acme-core-1.{version}"):
        inner = ArchiveBuilder().add("META-INF/MANIFEST.MF", f"Manifest-Version: 1.0\n{jar}\n")
        builder.add(f"java/lib/{jar}.jar", inner.build())
    return builder.build()


def _ruby_gems(version: int) -> bytes:
    builder = ArchiveBuilder()
    for gem in ("nokogiri-1.16.0", f"acme-client-0.{version}.0"):
        builder.add(
            f"ruby/gems/3.2.0/gems/{gem}/lib/{gem.rsplit('-', 1)[0]}.rb", "module Acme\nend\n"
        )
        builder.add(f"ruby/gems/3.2.0/specifications/{gem}.gemspec", f"# {gem}\n")
    return builder.build()


def _ml_models(version: int) -> bytes:
    return incompressible_archive(BIG_LAYER_BYTES, seed=version)


EU_WEST, EU_NORTH, US_EAST = "eu-west-1", "eu-north-1", "us-east-1"
PY = ("python3.12", "python3.11")

# fmt: off
DEMO_LAYERS: tuple[DemoLayer, ...] = (
    DemoLayer("py-common", (EU_WEST, EU_NORTH, US_EAST), _py_common, PY, ("x86_64",), 7, (2, 4),
              "requests, urllib3 and certifi for every Python service", "Apache-2.0"),
    DemoLayer("geo", (EU_NORTH,), _geo, ("python3.12",), ("x86_64",), 3, (),
              "Shapely and GEOS", "BSD-3-Clause"),
    DemoLayer("pydantic-arm64", (EU_WEST,), _pydantic_arm64, ("python3.12",), ("arm64",), 3, (),
              "pydantic 2 for Graviton functions", "MIT"),
    DemoLayer("numpy-arm64", (EU_WEST,), _numpy_arm64, ("python3.12",), ("arm64",), 4, (1,),
              "numpy for Graviton functions", "BSD-3-Clause"),
    DemoLayer("node-utils", (EU_WEST, EU_NORTH), _node_utils, ("nodejs20.x", "nodejs18.x"),
              ("x86_64", "arm64"), 5, (3,), "lodash, axios, uuid, dayjs", "MIT"),
    DemoLayer("node16-helpers", (EU_WEST,), _node16_helpers, ("nodejs16.x",), ("x86_64",), 3, (2,),
              "aws-sdk v2 helpers (Node 16)", "MIT"),
    DemoLayer("edge-auth", (US_EAST,), _edge_auth, ("nodejs20.x",), ("x86_64",), 4, (1, 2),
              "JWT verification for edge functions", "MIT"),
    DemoLayer("cli-tools", (EU_WEST,), _cli_tools, ("provided.al2023", "python3.12"),
              ("x86_64",), 3, (), "jq and yq", "MIT"),
    DemoLayer("otel-extension", (EU_WEST, US_EAST), _otel_extension, (), ("x86_64",), 2, (),
              "OpenTelemetry collector extension", "Apache-2.0"),
    DemoLayer("legacy-utils", (EU_WEST,), _legacy_utils, ("python3.9",), ("x86_64",), 3, (),
              "Helpers from the monolith (layout predates layers)", ""),
    DemoLayer("py38-common", (EU_WEST,), _py38_common, ("python3.8",), ("x86_64",), 2, (),
              "Common deps for Python 3.8 services", "Apache-2.0"),
    DemoLayer("shared-config", (EU_WEST,), _shared_config, ("python3.12", "nodejs20.x"),
              ("x86_64", "arm64"), 6, (1, 2, 3), "Feature flags and endpoints", ""),
    DemoLayer("java-commons", (EU_NORTH,), _java_commons, ("java21", "java8.al2"), ("x86_64",),
              2, (), "commons-lang3, jackson, acme-core", "Apache-2.0"),
    DemoLayer("ruby-gems", (US_EAST,), _ruby_gems, ("ruby3.2",), ("x86_64",), 2, (),
              "nokogiri and the acme client", "MIT"),
    DemoLayer("ml-models", (EU_WEST,), _ml_models, ("python3.12",), ("x86_64",), 1, (),
              "Sentiment model weights (published through S3)", "Proprietary"),
)
# fmt: on


@dataclass(frozen=True)
class VendorLayer:
    """Another account's public layer, as vendors publish them (a high version number)."""

    account_id: str
    name: str
    version: int
    runtimes: tuple[str, ...]
    architectures: tuple[str, ...]
    make: ArchiveMaker


def _datadog(version: int) -> bytes:
    builder = ArchiveBuilder()
    python_package(
        builder,
        SITE_312,
        "datadog-lambda",
        f"6.{version}.0",
        ("wrapper", "metric"),
        "The Datadog AWS Lambda Library",
    )
    return builder.build()


def _insights(version: int) -> bytes:
    return (
        ArchiveBuilder()
        .add(
            "extensions/cloudwatch_lambda_agent",
            elf_image("x86_64", executable=True, size=200_000, seed=600 + version),
            executable=True,
        )
        .build()
    )


def _insights_arm64(version: int) -> bytes:
    return (
        ArchiveBuilder()
        .add(
            "extensions/cloudwatch_lambda_agent",
            elf_image("arm64", executable=True, size=200_000, seed=700 + version),
            executable=True,
        )
        .build()
    )


DATADOG = VendorLayer(
    "464622532012", "Datadog-Python312", 98, ("python3.12",), ("x86_64",), _datadog
)
INSIGHTS = VendorLayer("580247275435", "LambdaInsightsExtension", 53, (), ("x86_64",), _insights)
INSIGHTS_ARM64 = VendorLayer(
    "580247275435", "LambdaInsightsExtension-Arm64", 20, (), ("arm64",), _insights_arm64
)
