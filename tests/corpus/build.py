"""A corpus of layers built from real third-party artifacts, correct and broken, inspected.

Downloads real wheels (MarkupSafe for Linux x86_64/aarch64/ppc64le, macOS arm64/universal2,
Windows, musl, another CPython; six, pure Python) with ``pip download`` and real npm packages
(rollup's native addons for Linux gnu/musl, macOS and Windows; esbuild's Linux executables as
a custom runtime's bootstrap) with ``npm pack``, into a cache folder. Builds layers from them
the correct way and in each broken way issue 13 names, publishes each to the project's
sandbox, runs ``inspect`` and checks: a broken layer gets its finding, a correct one gets no
warning or error, and every listing equals ``zipfile``'s.

    python tests/corpus/build.py --cache ~/.cache/layer-tui-corpus [--slice]
"""

from __future__ import annotations

import argparse
import io
import stat
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

MARKUPSAFE = "3.0.2"
WHEELS = {  # cache name: (pip --platform, --python-version, requirement)
    "linux-x86_64": ("manylinux2014_x86_64", "3.12", f"markupsafe=={MARKUPSAFE}"),
    "linux-aarch64": ("manylinux2014_aarch64", "3.12", f"markupsafe=={MARKUPSAFE}"),
    "linux-ppc64le": ("manylinux2014_ppc64le", "3.12", "markupsafe==3.0.4"),
    "macos-arm64": ("macosx_11_0_arm64", "3.12", f"markupsafe=={MARKUPSAFE}"),
    "macos-universal2": ("macosx_10_13_universal2", "3.12", f"markupsafe=={MARKUPSAFE}"),
    "windows-x86_64": ("win_amd64", "3.12", f"markupsafe=={MARKUPSAFE}"),
    "musl-x86_64": ("musllinux_1_2_x86_64", "3.12", f"markupsafe=={MARKUPSAFE}"),
    "cp311-x86_64": ("manylinux2014_x86_64", "3.11", f"markupsafe=={MARKUPSAFE}"),
    "pure": (None, None, "six==1.16.0"),
}
NPM = {
    "rollup-linux-x64-gnu": "@rollup/rollup-linux-x64-gnu@4.24.0",
    "rollup-linux-x64-musl": "@rollup/rollup-linux-x64-musl@4.24.0",
    "rollup-linux-arm64-gnu": "@rollup/rollup-linux-arm64-gnu@4.24.0",
    "rollup-darwin-arm64": "@rollup/rollup-darwin-arm64@4.24.0",
    "rollup-win32-x64-msvc": "@rollup/rollup-win32-x64-msvc@4.24.0",
    "esbuild-linux-x64": "@esbuild/linux-x64@0.24.0",
    "esbuild-linux-arm64": "@esbuild/linux-arm64@0.24.0",
}
SLICE_WHEELS = ("linux-x86_64", "macos-arm64", "windows-x86_64", "musl-x86_64", "cp311-x86_64",
                "pure")
SITE = "python/lib/python3.12/site-packages/"
Files = dict[str, tuple[bytes, int]]  # path -> (data, st_mode)


def fetch_wheel(cache: Path, name: str) -> Path:
    folder = cache / "wheels" / name
    found = sorted(folder.glob("*.whl"))
    if not found:
        platform, python, requirement = WHEELS[name]
        args = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(folder)]
        if platform:
            args += ["--only-binary=:all:", "--platform", platform, "--python-version", python]
        subprocess.run([*args, requirement], check=True, capture_output=True)
        found = sorted(folder.glob("*.whl"))
    return found[0]


def fetch_npm(cache: Path, name: str) -> Path:
    folder = cache / "npm" / name
    found = sorted(folder.glob("*.tgz"))
    if not found:
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "pack", "--silent", NPM[name]], cwd=folder, check=True,
                       capture_output=True)
        found = sorted(folder.glob("*.tgz"))
    return found[0]


def wheel_files(wheel: Path, under: str) -> Files:
    """A wheel installed as pip does into ``under`` (files 0644, extensions 0755)."""
    files: Files = {}
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            mode = (info.external_attr >> 16) or 0o100644
            files[under + info.filename] = (archive.read(info), mode)
    return files


def npm_files(tgz: Path, under: str) -> Files:
    files: Files = {}
    with tarfile.open(tgz) as archive:
        for member in archive.getmembers():
            if member.isfile():
                data = archive.extractfile(member).read()  # type: ignore[union-attr]
                path = member.name.removeprefix("package/")
                files[under + path] = (data, stat.S_IFREG | member.mode)
    return files


def build_zip(files: Files) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, (data, mode) in files.items():
            info = zipfile.ZipInfo(path, (2026, 1, 1, 0, 0, 0))
            info.create_system = 3
            info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()


@dataclass(frozen=True)
class Case:
    """One layer; ``expect`` is the (level, code, words) its findings must include, empty
    for a correct layer, which must get no warning or error."""

    name: str
    files: Callable[[], Files]
    runtimes: tuple[str, ...]
    architectures: tuple[str, ...]
    expect: tuple[tuple[str, str, str], ...] = ()


def cases(cache: Path, *, only_slice: bool = False) -> Iterator[Case]:
    def whl(name: str, under: str = SITE) -> Callable[[], Files]:
        return lambda: wheel_files(fetch_wheel(cache, name), under)

    def both(*parts: Callable[[], Files]) -> Callable[[], Files]:
        return lambda: {k: v for part in parts for k, v in part().items()}

    py, x86 = ("python3.12",), ("x86_64",)
    yield Case("python correct (site-packages)", both(whl("linux-x86_64"), whl("pure")), py, x86)
    yield Case("python correct (python/)", whl("linux-x86_64", "python/"), py, x86)
    yield Case("python built on macOS", whl("macos-arm64"), py, x86,
               (("error", "platform", "built on macOS (Mach-O arm64)"),))
    yield Case("python built on Windows", whl("windows-x86_64"), py, x86,
               (("error", "platform", "built on Windows (PE x86_64)"),))
    yield Case("python musllinux wheel", whl("musl-x86_64"), py, x86,
               (("error", "platform", "musl libc"),))
    yield Case("python cp311 wheel in python3.12", whl("cp311-x86_64"), py, x86,
               (("error", "abi", "CPython 3.11"),))
    yield Case("python packages at the zip root", whl("pure", ""), py, (),
               (("warning", "layout", "add a python/ folder above"),))
    yield Case("python one runtime of two reads nothing", whl("pure"), ("python3.12", "python3.13"),
               (), (("warning", "layout", "python3.13 reads none of this layer"),))
    yield Case("python wheel copied in unopened",
               lambda: {f"python/{fetch_wheel(cache, 'pure').name}":
                        (fetch_wheel(cache, "pure").read_bytes(), 0o100644)}, py, (),
               (("warning", "layout", "never imports from a .whl"),))
    yield Case("python backslash names",
               lambda: {k.replace("/", "\\"): v for k, v in wheel_files(
                   fetch_wheel(cache, "pure"), "python/").items()}, py, (),
               (("warning", "layout", "use backslashes as folder separators"),))
    if only_slice:
        return
    yield Case("python aarch64 wheel in x86_64 layer", whl("linux-aarch64"), py, x86,
               (("error", "architecture", "arm64 binar"),))
    yield Case("python ppc64le wheel", whl("linux-ppc64le"), py, (),
               (("error", "architecture", "ppc64le"),))
    yield Case("python universal2 wheel", whl("macos-universal2"), py, ("arm64",),
               (("error", "platform", "Mach-O universal x86_64+arm64"),))

    def npm(name: str) -> Callable[[], Files]:
        scoped = NPM[name].rsplit("@", 1)[0]
        return lambda: npm_files(fetch_npm(cache, name), f"nodejs/node_modules/{scoped}/")

    node = ("nodejs22.x",)
    yield Case("node correct (gnu, musl rides along)",
               both(npm("rollup-linux-x64-gnu"), npm("rollup-linux-x64-musl")), node, x86)
    yield Case("node built on macOS", npm("rollup-darwin-arm64"), node, ("arm64",),
               (("error", "platform", "built on macOS (Mach-O arm64)"),))
    yield Case("node built on Windows", npm("rollup-win32-x64-msvc"), node, x86,
               (("error", "platform", "built on Windows (PE x86_64)"),))
    yield Case("node musl only", npm("rollup-linux-x64-musl"), node, x86,
               (("error", "platform", "musl libc"),))
    yield Case("node arm64 addon in x86_64 layer", npm("rollup-linux-arm64-gnu"), node, x86,
               (("error", "architecture", "arm64 binar"),))
    yield Case("node tarball copied in",
               lambda: {"nodejs/node_modules/rollup.tgz":
                        (fetch_npm(cache, "rollup-linux-x64-gnu").read_bytes(), 0o100644)},
               node, x86, (("warning", "layout", "archive inside the zip"),))

    def bootstrap(name: str, mode: int) -> Callable[[], Files]:
        def files() -> Files:
            built = npm_files(fetch_npm(cache, name), "")
            return {"bootstrap": (built["bin/esbuild"][0], stat.S_IFREG | mode)}
        return files

    custom = ("provided.al2023",)
    yield Case("custom runtime correct", bootstrap("esbuild-linux-x64", 0o755), custom, x86)
    yield Case("custom runtime bootstrap 0644", bootstrap("esbuild-linux-x64", 0o644), custom,
               x86, (("error", "bootstrap", "Runtime.InvalidEntrypoint"),))
    yield Case("custom runtime arm64 bootstrap in x86_64", bootstrap("esbuild-linux-arm64", 0o755),
               custom, x86, (("error", "architecture", "arm64 binary"),))
    yield Case("symlink to the build machine",
               lambda: {"lib/libx.so": (b"/home/runner/work/libx.so", stat.S_IFLNK | 0o777)},
               custom, x86, (("warning", "symlink", "dangles on Lambda"),))


@dataclass
class Result:
    case: Case
    findings: list[tuple[str, str, str]]
    missing: list[tuple[str, str, str]]
    unexpected: list[tuple[str, str, str]]
    listing_exact: bool

    @property
    def ok(self) -> bool:
        return not self.missing and not self.unexpected and self.listing_exact


def run(corpus: list[Case]) -> list[Result]:
    from layer_tui.aws.inspection import inspect_layer_version
    from layer_tui.sandbox import Sandbox

    results = []
    with Sandbox() as sandbox:
        client = sandbox.client("lambda", "eu-west-1")
        for index, case in enumerate(corpus):
            data = build_zip(case.files())
            arn = client.publish_layer_version(
                LayerName=f"corpus-{index}", Content={"ZipFile": data},
                CompatibleRuntimes=list(case.runtimes),
                **({"CompatibleArchitectures": list(case.architectures)}
                   if case.architectures else {}),
            )["LayerVersionArn"]
            report = inspect_layer_version(client, arn)
            found = [(f.level, f.code, f.message) for f in report.findings]
            missing = [e for e in case.expect
                       if not any(f[:2] == e[:2] and e[2] in f[2] for f in found)]
            unexpected = ([f for f in found if f[0] in ("error", "warning")]
                          if not case.expect else [])
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                truth = [(i.filename, i.file_size, i.CRC) for i in archive.infolist()]
            listing = [(e.path, e.size, e.crc32) for e in report.entries]
            results.append(Result(case, found, missing, unexpected, listing == truth))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "layer-tui-corpus")
    parser.add_argument("--slice", action="store_true", help="only the small wheel cases")
    args = parser.parse_args()
    results = run(list(cases(args.cache, only_slice=args.slice)))
    for result in results:
        print(f"{'ok  ' if result.ok else 'MISS'} {result.case.name}")
        for level, code, message in result.findings:
            print(f"       {level}/{code}: {message[:150]}")
    print(f"{sum(r.ok for r in results)} of {len(results)} layers judged as an expert would")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    sys.exit(main())
